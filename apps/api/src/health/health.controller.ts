import { Controller, Get } from '@nestjs/common';
import { Public } from '../http/auth.js';

/** Liveness: the process is up and has finished starting (stores open, read models caught up). */
@Controller('health')
export class HealthController {
  @Get()
  @Public()
  live() {
    return { status: 'ok' };
  }
}
