/**
 * The values of a nullable enum property, null included: OpenAPI 3.0 validators check `enum`
 * before `nullable`, so a null the API sends or accepts would fail against the values alone.
 * (Typed as strings for @nestjs/swagger, whose enum type has no null.)
 */
export function nullableEnum(values: readonly string[]): string[] {
  return [...values, null as unknown as string];
}
