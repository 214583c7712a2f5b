import { defineCmdlet } from '../../src/runtime/cmdlet.js';

export default defineCmdlet({
  name: 'Write-Progress',
  synopsis: 'Shows how far a long task has got: a line with the activity, its status and a bar, redrawn in place on a terminal.',
  description:
    'The progress line is drawn on stderr when it is a terminal and $ProgressPreference is not SilentlyContinue; it goes away with -Completed and before other output. It never enters the pipeline, and without a terminal nothing is shown.',
  parameters: {
    Activity: { type: 'string', position: 0, description: 'What is being done.' },
    Status: { type: 'string', position: 1, description: 'Where it has got to.' },
    Id: { type: 'int', position: 2, default: 0, description: 'Tells concurrent activities apart.' },
    PercentComplete: { type: 'int', validate: { range: [-1, 100] }, default: -1, description: 'How far along, 0 to 100 (-1: unknown).' },
    SecondsRemaining: { type: 'int', default: -1, description: 'The estimated seconds left.' },
    CurrentOperation: { type: 'string', description: 'The step under way.' },
    ParentId: { type: 'int', description: 'The activity this one belongs to (accepted; shown as its own line).' },
    Completed: { type: 'switch', description: 'The activity is finished: its line goes away.' },
  },
  examples: [
    { title: 'Progress is not pipeline output', code: "(1..3 | ForEach-Object { Write-Progress -Activity 'Copying' -PercentComplete ($_ * 33); $_ } | Measure-Object).Count", output: [3] },
  ],
  process(params, ctx) {
    ctx.writeProgress({
      id: params.Id,
      activity: params.Activity ?? 'Processing',
      status: params.Status ?? '',
      percentComplete: params.PercentComplete,
      secondsRemaining: params.SecondsRemaining,
      currentOperation: params.CurrentOperation ?? '',
      completed: params.Completed,
    });
  },
});
