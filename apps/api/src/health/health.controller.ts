import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../http/auth.js';

/** Liveness: the process is up and has finished starting (stores open, read models caught up). */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  @Get()
  @Public()
  @ApiOperation({ summary: 'Liveness: 200 once the service can take requests' })
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'], example: { status: 'ok' } } })
  live() {
    return { status: 'ok' };
  }
}
