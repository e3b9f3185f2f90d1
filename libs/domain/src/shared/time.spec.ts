import {
  addMinutes,
  formatInZone,
  isValidTimeZone,
  localPeriodWindow,
  minuteKey,
  parseLocalPeriod,
  parseOffsetDateTime,
  parseWindowBound,
  spanOverlapsWindow,
} from './time.js';

const iso = (date: Date | null) => date?.toISOString() ?? null;

function window(period: string, timeZone: string) {
  const parsed = parseLocalPeriod(period);
  if (!parsed) throw new Error(`bad period ${period}`);
  const { start, end } = localPeriodWindow(parsed, timeZone);
  return [start.toISOString(), end.toISOString()];
}

describe('parseOffsetDateTime', () => {
  it.each([
    ['2026-03-01T09:00:00-08:00', '2026-03-01T17:00:00.000Z'],
    ['2026-03-01T17:00:00Z', '2026-03-01T17:00:00.000Z'],
    ['2026-03-01t17:00:00z', '2026-03-01T17:00:00.000Z'],
    ['2026-03-01T17:00Z', '2026-03-01T17:00:00.000Z'],
    ['2026-03-01T09:30:15.25+05:30', '2026-03-01T04:00:15.250Z'],
    ['2026-03-01T00:30:00+01:00', '2026-02-28T23:30:00.000Z'],
    ['2028-02-29T12:00:00Z', '2028-02-29T12:00:00.000Z'],
    ['0050-01-01T00:00:00Z', '0050-01-01T00:00:00.000Z'],
  ])('reads %s as the instant %s', (text, expected) => {
    expect(iso(parseOffsetDateTime(text))).toBe(expected);
  });

  it.each([
    ['no offset', '2026-03-01T09:00:00'],
    ['a date only', '2026-03-01'],
    ['an offset without colon', '2026-03-01T09:00:00-0800'],
    ['an impossible day', '2026-02-29T09:00:00Z'],
    ['month 13', '2026-13-01T09:00:00Z'],
    ['hour 24', '2026-03-01T24:00:00Z'],
    ['second 60', '2026-03-01T09:00:60Z'],
    ['an offset past 23 hours', '2026-03-01T09:00:00+24:00'],
    ['free text', 'tomorrow at nine'],
    ['an empty string', ''],
    ['null', null],
    ['undefined', undefined],
  ])('rejects %s', (_, text) => {
    expect(parseOffsetDateTime(text)).toBeNull();
  });
});

describe('isValidTimeZone', () => {
  it.each(['UTC', 'America/Vancouver', 'Europe/London', 'US/Pacific', 'EST', 'GMT', 'Etc/GMT+5', 'europe/london'])('accepts %s', (zone) => {
    expect(isValidTimeZone(zone)).toBe(true);
  });

  // ICU knows BST (as Dhaka), IST, PST and SystemV/AST4; IANA does not.
  it.each(['Nowhere/City', '', '+01:00', 'PST8', 'BST', 'ist', 'PST', 'SystemV/AST4', 'US/Pacific-New'])('rejects %j', (zone) => {
    expect(isValidTimeZone(zone)).toBe(false);
  });
});

describe('formatInZone', () => {
  it.each([
    ['2026-03-01T17:00:00Z', 'America/Vancouver', '2026-03-01T09:00:00-08:00'],
    // Vancouver springs forward on 2026-03-08 at 02:00 local.
    ['2026-03-08T09:59:59Z', 'America/Vancouver', '2026-03-08T01:59:59-08:00'],
    ['2026-03-08T10:00:00Z', 'America/Vancouver', '2026-03-08T03:00:00-07:00'],
    // ...and falls back on 2026-11-01: 01:30 local happens twice.
    ['2026-11-01T08:30:00Z', 'America/Vancouver', '2026-11-01T01:30:00-07:00'],
    ['2026-11-01T09:30:00Z', 'America/Vancouver', '2026-11-01T01:30:00-08:00'],
    ['2026-01-15T12:00:00Z', 'Europe/London', '2026-01-15T12:00:00Z'],
    ['2026-07-15T12:00:00Z', 'Europe/London', '2026-07-15T13:00:00+01:00'],
    // The same instant: milliseconds when it has them, never `.000`.
    ['2026-03-01T04:00:15.999Z', 'Asia/Kolkata', '2026-03-01T09:30:15.999+05:30'],
    ['2026-03-01T17:00:00.750Z', 'America/Vancouver', '2026-03-01T09:00:00.750-08:00'],
    ['1969-12-31T23:59:59.250Z', 'UTC', '1969-12-31T23:59:59.250Z'],
    ['2026-03-01T17:00:00Z', 'UTC', '2026-03-01T17:00:00Z'],
  ])('shows %s in %s as %s', (instant, zone, expected) => {
    expect(formatInZone(instant, zone)).toBe(expected);
    expect(formatInZone(new Date(instant), zone)).toBe(expected);
  });

  it('round-trips through parseOffsetDateTime to the same instant', () => {
    for (const instant of ['2026-11-01T09:30:00.000Z', '2026-11-01T09:30:00.005Z', '2026-11-01T09:30:59.999Z']) {
      expect(iso(parseOffsetDateTime(formatInZone(instant, 'America/Vancouver')))).toBe(instant);
    }
  });
});

describe('parseWindowBound', () => {
  it.each([
    ['2026-01-10T03:00:00Z', '2026-01-10T03:00:00.000Z'],
    ['2026-01-10T03:00:00.812Z', '2026-01-10T03:00:00.812Z'],
    ['2026-01-10T03:00:00.8120000Z', '2026-01-10T03:00:00.812Z'],
    ['2026-01-10T03:00:00.8121Z', '2026-01-10T03:00:00.813Z'],
    ['2026-01-10T03:00:00.9999-08:00', '2026-01-10T11:00:01.000Z'],
    // The last millisecond of 9999 has no later one that sorts with stored times: kept.
    ['9999-12-31T23:59:59.9999Z', '9999-12-31T23:59:59.999Z'],
  ])('takes %s as %s (a fraction finer than milliseconds rounds up)', (text, expected) => {
    expect(iso(parseWindowBound(text))).toBe(expected);
  });

  it('refuses what parseOffsetDateTime refuses', () => {
    expect(parseWindowBound('2026-01-10T03:00:00.5')).toBeNull();
  });
});

describe('minuteKey', () => {
  it('truncates to the UTC minute, so every second of a minute shares a key', () => {
    expect(minuteKey(new Date('2026-03-01T17:00:00.000Z'))).toBe('2026-03-01T17:00Z');
    expect(minuteKey(new Date('2026-03-01T17:00:59.999Z'))).toBe('2026-03-01T17:00Z');
    expect(minuteKey(new Date('2026-03-01T17:01:00.000Z'))).toBe('2026-03-01T17:01Z');
  });

  it('gives the same key to the same instant written with different offsets', () => {
    const vancouver = parseOffsetDateTime('2026-03-01T09:00:30-08:00')!;
    const utc = parseOffsetDateTime('2026-03-01T17:00:00Z')!;
    expect(minuteKey(vancouver)).toBe(minuteKey(utc));
  });
});

describe('addMinutes', () => {
  it('adds elapsed minutes, whatever the clocks do', () => {
    expect(iso(addMinutes(new Date('2026-03-08T09:30:00Z'), 90))).toBe('2026-03-08T11:00:00.000Z');
  });
});

describe('parseLocalPeriod', () => {
  it('reads days and months', () => {
    expect(parseLocalPeriod('2026-03-08')).toEqual({ year: 2026, month: 3, day: 8 });
    expect(parseLocalPeriod('2026-03')).toEqual({ year: 2026, month: 3, day: null });
  });

  it.each(['2026', '2026-3', '2026-03-8', '2026-02-29', '2026-00', '2026-13', '2026-03-01T00:00', ' 2026-03', ''])(
    'rejects %j',
    (text) => {
      expect(parseLocalPeriod(text)).toBeNull();
    },
  );
});

describe('localPeriodWindow', () => {
  it('spans 24 hours on an ordinary day', () => {
    expect(window('2026-03-01', 'America/Vancouver')).toEqual(['2026-03-01T08:00:00.000Z', '2026-03-02T08:00:00.000Z']);
  });

  it('spans 23 hours on the day the clocks spring forward', () => {
    expect(window('2026-03-08', 'America/Vancouver')).toEqual(['2026-03-08T08:00:00.000Z', '2026-03-09T07:00:00.000Z']);
  });

  it('spans 25 hours on the day the clocks fall back', () => {
    expect(window('2026-11-01', 'America/Vancouver')).toEqual(['2026-11-01T07:00:00.000Z', '2026-11-02T08:00:00.000Z']);
  });

  it('starts a month in winter time and ends it in summer time', () => {
    expect(window('2026-03', 'Europe/London')).toEqual(['2026-03-01T00:00:00.000Z', '2026-03-31T23:00:00.000Z']);
  });

  it('rolls December over into the next year', () => {
    expect(window('2026-12', 'UTC')).toEqual(['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
    expect(window('2026-12-31', 'UTC')).toEqual(['2026-12-31T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
  });

  it('starts a day whose midnight is skipped when the clocks jump', () => {
    // Santiago goes from 00:00 (-04:00) straight to 01:00 (-03:00) on 2026-09-06.
    expect(window('2026-09-06', 'America/Santiago')).toEqual(['2026-09-06T04:00:00.000Z', '2026-09-07T03:00:00.000Z']);
  });

  it('starts a day whose midnight happens twice at the first one, and ends the day before there', () => {
    // The Azores fall back from 01:00 (+00:00) to 00:00 (-01:00) on 2026-10-25: midnight comes twice.
    expect(window('2026-10-25', 'Atlantic/Azores')).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-26T01:00:00.000Z']);
    expect(window('2026-10-24', 'Atlantic/Azores')).toEqual(['2026-10-24T00:00:00.000Z', '2026-10-25T00:00:00.000Z']);
  });
});

describe('spanOverlapsWindow', () => {
  const day = { start: new Date('2026-03-01T08:00:00Z'), end: new Date('2026-03-02T08:00:00Z') };
  const span = (start: string, end: string) => ({ start: new Date(start), end: new Date(end) });

  it.each([
    ['inside the day', '2026-03-01T17:00:00Z', '2026-03-01T19:00:00Z', true],
    ['starting the day before and ending inside it', '2026-03-01T07:00:00Z', '2026-03-01T09:00:00Z', true],
    ['ending exactly when the day starts', '2026-03-01T06:00:00Z', '2026-03-01T08:00:00Z', true],
    ['of zero duration at the start of the day', '2026-03-01T08:00:00Z', '2026-03-01T08:00:00Z', true],
    ['starting exactly when the day ends', '2026-03-02T08:00:00Z', '2026-03-02T09:00:00Z', false],
    ['ending before the day', '2026-03-01T05:00:00Z', '2026-03-01T07:59:59Z', false],
  ])('an event %s (%s to %s) overlaps: %s', (_, start, end, expected) => {
    expect(spanOverlapsWindow(span(start, end), day)).toBe(expected);
  });
});
