/**
 * Time rules of the booking domain, pure (no clock: callers pass instants in).
 *
 * - Instants are JavaScript `Date`s (treated as immutable) and are stored in events as UTC ISO
 *   strings (`Date#toISOString`).
 * - Times of an exam event are shown in the venue's local offset by `formatInZone`: seconds,
 *   milliseconds only when not zero, and `Z` when the local offset is zero (UTC venues, London in
 *   winter), so one instant has exactly one spelling per zone.
 * - Time zones are IANA names, resolved through `Intl` (DST-correct for every instant it knows).
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * Instants are stored and compared as `toISOString()` text, which is sortable only while the year
 * has four digits: from 0000-01-01 to 9999-12-31 in UTC (later ones are written `+010000-…`).
 */
const EARLIEST_STORABLE_MS = Date.parse('0000-01-01T00:00:00.000Z');
const LATEST_STORABLE_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** Whether the instant's ISO text sorts with every other stored instant (false for an invalid Date). */
export function isStorableInstant(instant: Date): boolean {
  const ms = instant.getTime();
  return ms >= EARLIEST_STORABLE_MS && ms <= LATEST_STORABLE_MS;
}

/**
 * Whether the instant is storable and the wall clock of `timeZone` also shows it in years
 * 0000–9999: an exam event's times are shown in its venue's offset (`formatInZone`) and listed by
 * the venue's local day (`YYYY-MM-DD`), so a later local time has neither a text nor a day.
 */
export function isStorableInZone(instant: Date, timeZone: string): boolean {
  if (!isStorableInstant(instant)) return false;
  const ms = instant.getTime();
  return isStorableInstant(new Date(ms + offsetMinutesAt(ms, timeZone) * MINUTE_MS));
}

/** A span of time between two instants. */
export interface Interval {
  readonly start: Date;
  readonly end: Date;
}

// Date and time, optional seconds and fraction, then a mandatory offset (`Z` or ±hh:mm).
const OFFSET_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an ISO 8601 date-time that carries its offset (`2026-03-01T09:00:00-08:00`,
 * `2026-03-01T17:00Z`). Returns null for anything else: no offset, impossible dates
 * (`2026-02-30`), out-of-range fields, other layouts. Digits finer than milliseconds are dropped.
 */
export function parseOffsetDateTime(text: string | null | undefined): Date | null {
  return parsed(text)?.instant ?? null;
}

/**
 * A bound of a time window: `parseOffsetDateTime`, rounded up to the next millisecond when the
 * text's fraction goes finer (`…:33.8129Z` → `…:33.813Z`). Stored times are whole milliseconds, so
 * for any of them t ≥ b ⇔ t ≥ ⌈b⌉ and t < b ⇔ t < ⌈b⌉: an inclusive and an exclusive bound both
 * stay exact, where the truncated instant would let a time just before the bound through.
 */
export function parseWindowBound(text: string | null | undefined): Date | null {
  const result = parsed(text);
  if (result === null) return null;
  const roundedUp = new Date(result.instant.getTime() + 1);
  // The last millisecond of 9999 has no later one that sorts with stored times (see isStorableInstant).
  return /[1-9]/.test(result.fraction.slice(3)) && isStorableInstant(roundedUp) ? roundedUp : result.instant;
}

/** The instant, and the fraction of a second as written (digits only, possibly none). */
function parsed(text: string | null | undefined): { instant: Date; fraction: string } | null {
  const match = OFFSET_DATE_TIME.exec(text ?? '');
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0));
  const fraction = match[7] ?? '';
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const [offsetSign, offsetHours, offsetMinutes] = [match[9], Number(match[10] ?? 0), Number(match[11] ?? 0)];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return null;

  const offset = (offsetSign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  return { instant: new Date(wallClockMs(year, month, day, hour, minute, second, millis) - offset * MINUTE_MS), fraction };
}

/**
 * Names ICU accepts that are not IANA time zones: Java's three-letter ids (`BST` is Dhaka there,
 * not London; `IST` Kolkata), the SystemV zones, and two links IANA has removed. IANA's own
 * three-letter names (`EST`, `MST`, `HST`, `UTC`, `GMT`, `UCT`) are not among them.
 */
const ICU_ONLY_ZONES = new Set(
  [
    'ACT', 'AET', 'AGT', 'ART', 'AST', 'BET', 'BST', 'CAT', 'CNT', 'CST', 'CTT', 'EAT', 'ECT', 'IET',
    'IST', 'JST', 'MIT', 'NET', 'NST', 'PLT', 'PNT', 'PRT', 'PST', 'SST', 'VST',
    'US/Pacific-New', 'Canada/East-Saskatchewan',
  ].map((name) => name.toLowerCase()),
);

/** True when `name` is an IANA time zone name or link (e.g. `UTC`, `US/Pacific`) that `Intl` knows. */
export function isValidTimeZone(name: string): boolean {
  // Newer Intl versions also accept bare offsets such as `+01:00`; those are not IANA names.
  if (!/^[A-Za-z]/.test(name)) return false;
  const lowerCase = name.toLowerCase();
  if (ICU_ONLY_ZONES.has(lowerCase) || lowerCase.startsWith('systemv/')) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * The instant as the venue's wall clock shows it, with that moment's offset:
 * `formatInZone('2026-03-01T17:00:00Z', 'America/Vancouver')` → `2026-03-01T09:00:00-08:00`.
 * Milliseconds are written only when the instant has them (the same instant, spec §1); a zero
 * offset is written `Z`.
 */
export function formatInZone(instant: Date | string, timeZone: string): string {
  const ms = new Date(instant).getTime();
  const offset = offsetMinutesAt(ms, timeZone);
  const wallClock = new Date(ms + offset * MINUTE_MS).toISOString();
  return (ms % 1000 === 0 ? wallClock.slice(0, 19) : wallClock.slice(0, 23)) + formatOffset(offset);
}

/** The UTC minute an instant falls in, e.g. `2026-03-01T17:00Z`: the key of a venue's time slot. */
export function minuteKey(instant: Date): string {
  return `${instant.toISOString().slice(0, 16)}Z`;
}

/** The instant `minutes` after `instant`. */
export function addMinutes(instant: Date, minutes: number): Date {
  return new Date(instant.getTime() + minutes * MINUTE_MS);
}

/** A local calendar day (`day` set) or month (`day` null), as a `date=` query names it. */
export interface LocalPeriod {
  readonly year: number;
  readonly month: number;
  readonly day: number | null;
}

/** Parses `YYYY-MM-DD` or `YYYY-MM`; null when malformed or not a real date. */
export function parseLocalPeriod(text: string): LocalPeriod | null {
  const match = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(text);
  if (!match) return null;
  const [year, month] = [Number(match[1]), Number(match[2])];
  const day = match[3] === undefined ? null : Number(match[3]);
  if (month < 1 || month > 12) return null;
  if (day !== null && (day < 1 || day > daysInMonth(year, month))) return null;
  return { year, month, day };
}

/**
 * The UTC instants [start, end) of a local day or month in `timeZone`. DST-correct: a local day
 * may last 23 or 25 hours, and a day whose midnight is skipped starts when the clocks jump.
 */
export function localPeriodWindow(period: LocalPeriod, timeZone: string): Interval {
  const { year, month, day } = period;
  // Day 32 and month 13 roll over to the following day or month.
  const [startMs, endMs] =
    day === null
      ? [wallClockMs(year, month, 1), wallClockMs(year, month + 1, 1)]
      : [wallClockMs(year, month, day), wallClockMs(year, month, day + 1)];
  return { start: new Date(localToInstantMs(startMs, timeZone)), end: new Date(localToInstantMs(endMs, timeZone)) };
}

/**
 * Whether a closed span [start, end] (an exam event, possibly of zero duration) overlaps a
 * half-open window [start, end) (a local day or month).
 */
export function spanOverlapsWindow(span: Interval, window: Interval): boolean {
  return span.start.getTime() < window.end.getTime() && span.end.getTime() >= window.start.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(wallClockMs(year, month + 1, 0)).getUTCDate();
}

/** Milliseconds of a wall-clock reading taken as if it were UTC. Out-of-range fields roll over. */
function wallClockMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not turn years 0–99 into 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

/**
 * The instant at which the zone's clocks read `wallMs`. When the reading happens twice (clocks
 * turned back) the earlier one; when it is skipped (clocks jumped forward) the reading is moved
 * forward by the jump, as Temporal's "compatible" disambiguation does.
 */
function localToInstantMs(wallMs: number, timeZone: string): number {
  const offsetBefore = offsetMinutesAt(wallMs - DAY_MS, timeZone);
  const offsetAfter = offsetMinutesAt(wallMs + DAY_MS, timeZone);
  const readings = [offsetBefore, offsetAfter]
    .map((offset) => wallMs - offset * MINUTE_MS)
    .filter((instant) => instant + offsetMinutesAt(instant, timeZone) * MINUTE_MS === wallMs);
  return readings.length > 0 ? Math.min(...readings) : wallMs - offsetBefore * MINUTE_MS;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The zone's offset from UTC, in minutes, at an instant. */
function offsetMinutesAt(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const { type, value } of formatterFor(timeZone).formatToParts(new Date(ms))) parts[type] = Number(value);
  const wall = wallClockMs(parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / MINUTE_MS);
}

function formatOffset(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'Z';
  const magnitude = Math.abs(offsetMinutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(magnitude / 60))}:${pad(magnitude % 60)}`;
}
