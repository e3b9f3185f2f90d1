import { ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE, problem } from '../http/problem-details.js';
import { ProblemDetailsSchema } from './problem.schema.js';

/**
 * Documents the 409 problems a command answers when it conflicts with the current state, with
 * the spec's messages (the conventions in openapi.ts cannot know which commands conflict).
 */
export const ApiConflictResponse = (...details: [string, ...string[]]) =>
  ApiResponse({
    status: 409,
    description: `Conflicts with the current state: ${details.map((detail) => `\`${detail}\``).join(', ')}`,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetailsSchema) }, example: problem(409, details[0]) } },
  });
