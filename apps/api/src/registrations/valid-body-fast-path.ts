import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import type { ValidationArguments, ValidatorConstraintInterface } from 'class-validator';

/**
 * The body of a registration command as the global validation pipe would return it, when the
 * body is valid: or null, and then the pipe must decide (and word its problems). It runs the
 * same class-validator constraints on the same instance class-transformer builds, without the
 * validator's per-call work (looking up and grouping every rule of the class, a problem object
 * per property, promises): that work was a tenth of a register-lax's time on the event loop.
 *
 * It answers only where the outcome cannot differ from the pipe's: a body whose properties are
 * all declared (the pipe's whitelist then strips nothing) and pass every rule. A class using any
 * feature not followed here (groups aside, which the pipe does not use: `@ValidateIf` on a rule,
 * `@IsDefined`, `@Allow`, promises) is always left to the pipe.
 */
export type ValidBodyFastPath = (body: unknown) => object | null;

/** The pipe strips these keys (recursively) before building the instance; such bodies go to it. */
const PROTO_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

interface PropertyRules {
  /** `@IsOptional` and the like: the other rules apply only when every one of these holds. */
  conditions: ReadonlyArray<(object: object, value: unknown) => boolean>;
  rules: ReadonlyArray<{ each: boolean; constraints: unknown; validators: readonly ValidatorConstraintInterface[] }>;
  nested: boolean;
}

type ClassRules = ReadonlyMap<string, PropertyRules>;

/** Compiled per class once; null: a class the fast path leaves to the pipe. */
const rulesByClass = new Map<Function, ClassRules | null>();

export function validBodyFastPath(bodyType: new () => object): ValidBodyFastPath {
  return (body) => {
    if (typeof body !== 'object' || body === null || Object.getPrototypeOf(body) !== Object.prototype) return null;
    try {
      if (hasProtoKey(body)) return null;
      const instance = plainToInstance(bodyType, body);
      return passes(instance) ? instance : null;
    } catch {
      // Whatever fails here (say, a body nested too deeply to walk) the pipe handles as it always did.
      return null;
    }
  };
}

function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  for (const key of Object.keys(value)) {
    if (PROTO_KEYS.has(key) || hasProtoKey((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** What class-validator's executor decides for `object` with the pipe's options (whitelist, forbidUnknownValues). */
function passes(object: object): boolean {
  const rules = rulesOf(object.constructor);
  if (rules === null) return false;
  // A property without rules would be stripped by the whitelist: the pipe's answer then differs.
  for (const key of Object.keys(object)) if (!rules.has(key)) return false;
  for (const [property, { conditions, rules: propertyRules, nested }] of rules) {
    const value = (object as Record<string, unknown>)[property];
    if (!conditions.every((condition) => condition(object, value))) continue;
    for (const { each, constraints, validators } of propertyRules) {
      // The executor's own rule for `each`; a Set or Map (never from JSON) is left to it.
      if (each && (value instanceof Set || value instanceof Map)) return false;
      const values = each && Array.isArray(value) ? value : [value];
      for (const validator of validators) {
        const args: ValidationArguments = { targetName: object.constructor.name, property, object, value, constraints: constraints as unknown[] };
        for (const item of values) {
          const valid: unknown = validator.validate(item, args);
          if (!valid || valid instanceof Promise) return false;
        }
      }
    }
    if (nested && value !== undefined && !nestedPasses(value)) return false;
  }
  return true;
}

/** `@ValidateNested`: an object, or an array of objects, each valid by its own class's rules. */
function nestedPasses(value: unknown): boolean {
  const items = Array.isArray(value) ? value : [value];
  return items.every((item) => item instanceof Object && !Array.isArray(item) && passes(item));
}

function rulesOf(type: Function): ClassRules | null {
  let rules = rulesByClass.get(type);
  if (rules === undefined) {
    rules = compile(type);
    rulesByClass.set(type, rules);
  }
  return rules;
}

function compile(type: Function): ClassRules | null {
  const storage = getMetadataStorage();
  // As the executor asks for them with the pipe's options: no groups, `always` off, not strict.
  const metadatas = storage.getTargetValidationMetadatas(type, '', false, false, undefined);
  if (metadatas.length === 0) return null;
  const rules = new Map<string, { conditions: PropertyRules['conditions'][number][]; rules: PropertyRules['rules'][number][]; nested: boolean }>();
  for (const metadata of metadatas) {
    if ((metadata as { validateIf?: unknown }).validateIf) return null;
    let property = rules.get(metadata.propertyName);
    if (!property) rules.set(metadata.propertyName, (property = { conditions: [], rules: [], nested: false }));
    switch (metadata.type) {
      case ValidationTypes.CONDITIONAL_VALIDATION:
        property.conditions.push(metadata.constraints[0] as (object: object, value: unknown) => boolean);
        break;
      case ValidationTypes.CUSTOM_VALIDATION: {
        const constraints = storage.getTargetValidatorConstraints(metadata.constraintCls);
        if (constraints.some((constraint) => constraint.async)) return null;
        property.rules.push({
          each: metadata.each === true,
          constraints: metadata.constraints,
          validators: constraints.map((constraint) => constraint.instance),
        });
        break;
      }
      case ValidationTypes.NESTED_VALIDATION:
        property.nested = true;
        break;
      default:
        return null;
    }
  }
  return rules;
}
