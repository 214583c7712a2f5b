import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { formatDate } from '../../src/runtime/textformat.js';

const pad = (n: number, width = 2, fill = '0') => String(n).padStart(width, fill);

/** The ISO 8601 week-numbering year and week of a date. */
function isoWeek(d: Date): { year: number; week: number } {
  const t = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  t.setUTCDate(t.getUTCDate() + 4 - (t.getUTCDay() || 7));
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  return { year: t.getUTCFullYear(), week: Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7) };
}

/** Get-Date -UFormat: the Unix specifiers of Get-Date.md's table. */
function uformat(d: Date, format: string): string {
  const dayOfYear = Math.floor((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 86_400_000) + 1;
  const offset = -d.getTimezoneOffset();
  const spec: Record<string, () => string> = {
    a: () => formatDate(d, 'ddd'),
    A: () => formatDate(d, 'dddd'),
    b: () => formatDate(d, 'MMM'),
    B: () => formatDate(d, 'MMMM'),
    c: () => formatDate(d, 'ddd MMM dd HH:mm:ss yyyy'),
    C: () => pad(Math.floor(d.getFullYear() / 100)),
    d: () => pad(d.getDate()),
    D: () => formatDate(d, 'MM/dd/yy'),
    e: () => pad(d.getDate(), 2, ' '),
    F: () => formatDate(d, 'yyyy-MM-dd'),
    g: () => pad(isoWeek(d).year % 100),
    G: () => String(isoWeek(d).year),
    h: () => formatDate(d, 'MMM'),
    H: () => pad(d.getHours()),
    I: () => pad(d.getHours() % 12 || 12),
    j: () => pad(dayOfYear, 3),
    k: () => pad(d.getHours(), 2, ' '),
    l: () => pad(d.getHours() % 12 || 12, 2, ' '),
    m: () => pad(d.getMonth() + 1),
    M: () => pad(d.getMinutes()),
    n: () => '\n',
    p: () => (d.getHours() < 12 ? 'AM' : 'PM'),
    r: () => formatDate(d, 'hh:mm:ss') + (d.getHours() < 12 ? ' AM' : ' PM'),
    R: () => formatDate(d, 'HH:mm'),
    s: () => String(Math.floor(d.getTime() / 1000)),
    S: () => pad(d.getSeconds()),
    t: () => '\t',
    T: () => formatDate(d, 'HH:mm:ss'),
    u: () => String(d.getDay() || 7),
    U: () => pad(Math.floor((dayOfYear + 6 - d.getDay()) / 7)),
    V: () => pad(isoWeek(d).week),
    w: () => String(d.getDay()),
    W: () => pad(Math.floor((dayOfYear + 6 - ((d.getDay() + 6) % 7)) / 7)),
    x: () => formatDate(d, 'MM/dd/yy'),
    X: () => formatDate(d, 'HH:mm:ss'),
    y: () => pad(d.getFullYear() % 100),
    Y: () => String(d.getFullYear()),
    Z: () => `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}`,
    '%': () => '%',
  };
  return format.replace(/%(.)/g, (whole, ch: string) => spec[ch]?.() ?? whole);
}

export default defineCmdlet({
  name: 'Get-Date',
  synopsis: 'Gets the current date and time, or a given one, optionally as formatted text.',
  parameters: {
    Date: { type: 'date', position: 0, pipeline: 'value', description: 'The date to use (default: now).' },
    Format: { type: 'string', description: '.NET format string, e.g. yyyy-MM-dd HH:mm:ss, o (ISO 8601), s, u.' },
    UFormat: { type: 'string', description: 'Unix format string, e.g. %Y-%m-%d %H:%M:%S, %s (seconds since 1970), %V (ISO week).' },
    UnixTimeSeconds: { type: 'number', aliases: ['UnixTime'], description: 'The date as seconds since 1970-01-01 UTC.' },
    Year: { type: 'int', validate: { range: [1, 9999] }, description: 'Replaces the year.' },
    Month: { type: 'int', validate: { range: [1, 12] }, description: 'Replaces the month.' },
    Day: { type: 'int', validate: { range: [1, 31] }, description: 'Replaces the day.' },
    Hour: { type: 'int', validate: { range: [0, 23] }, description: 'Replaces the hour.' },
    Minute: { type: 'int', validate: { range: [0, 59] }, description: 'Replaces the minute.' },
    Second: { type: 'int', validate: { range: [0, 59] }, description: 'Replaces the second.' },
  },
  examples: [
    { title: 'A date as text', code: "Get-Date -Date '2024-05-31T14:05:09' -Format 'yyyy-MM-dd HH:mm'", output: ['2024-05-31 14:05'] },
    { title: 'Parts of a date', code: "(Get-Date -Year 2020 -Month 2 -Day 29).DayOfWeek", output: ['Saturday'] },
    { title: 'Now', code: "Get-Date -Format 'yyyy'", outputMatches: /^\d{4}$/ },
    { title: 'Unix format (Get-Date.md)', code: "Get-Date -Date '2024-05-31T14:05:09' -UFormat '%Y/%m/%d %R %j %V %A'", output: ['2024/05/31 14:05 152 22 Friday'] },
  ],
  *process(params) {
    const d = new Date(params.UnixTimeSeconds !== undefined ? params.UnixTimeSeconds * 1000 : (params.Date ?? Date.now()));
    if (params.Year !== undefined) d.setFullYear(params.Year);
    if (params.Month !== undefined) d.setMonth(params.Month - 1);
    if (params.Day !== undefined) d.setDate(params.Day);
    if (params.Hour !== undefined) d.setHours(params.Hour);
    if (params.Minute !== undefined) d.setMinutes(params.Minute);
    if (params.Second !== undefined) d.setSeconds(params.Second);
    yield params.UFormat !== undefined ? uformat(d, params.UFormat) : params.Format !== undefined ? formatDate(d, params.Format) : d;
  },
});
