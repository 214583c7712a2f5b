import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { formatDate } from '../../src/runtime/textformat.js';

export default defineCmdlet({
  name: 'Get-Date',
  synopsis: 'Gets the current date and time, or a given one, optionally as formatted text.',
  parameters: {
    Date: { type: 'date', position: 0, pipeline: 'value', description: 'The date to use (default: now).' },
    Format: { type: 'string', description: '.NET format string, e.g. yyyy-MM-dd HH:mm:ss, o (ISO 8601), s, u.' },
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
  ],
  *process(params) {
    const d = new Date(params.Date ?? Date.now());
    if (params.Year !== undefined) d.setFullYear(params.Year);
    if (params.Month !== undefined) d.setMonth(params.Month - 1);
    if (params.Day !== undefined) d.setDate(params.Day);
    if (params.Hour !== undefined) d.setHours(params.Hour);
    if (params.Minute !== undefined) d.setMinutes(params.Minute);
    if (params.Second !== undefined) d.setSeconds(params.Second);
    yield params.Format !== undefined ? formatDate(d, params.Format) : d;
  },
});
