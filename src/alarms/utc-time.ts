/**
 * Calendar fields of an epoch-millisecond time in UTC, computed without the global Date so that alarm
 * evaluation can print times while reading no clock. Proleptic Gregorian calendar; the day arithmetic is
 * Howard Hinnant's civil_from_days.
 */
export interface UtcTime {
  year: number;
  /** 1 to 12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const msPerDay = 86_400_000;
const daysPer400Years = 146_097;
/** Days from 0000-03-01 to 1970-01-01: the count starts on a 1 March so that leap days end each year. */
const daysBeforeEpoch = 719_468;

export function utcTime(epochMs: number): UtcTime {
  const ms = Math.trunc(epochMs);
  const days = Math.floor(ms / msPerDay);
  const msOfDay = ms - days * msPerDay;
  const sinceMarch0 = days + daysBeforeEpoch;
  const era = Math.floor(sinceMarch0 / daysPer400Years);
  const dayOfEra = sinceMarch0 - era * daysPer400Years;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  return {
    year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day: dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1,
    hour: Math.floor(msOfDay / 3_600_000),
    minute: Math.floor(msOfDay / 60_000) % 60,
    second: Math.floor(msOfDay / 1000) % 60,
    millisecond: msOfDay % 1000,
  };
}
