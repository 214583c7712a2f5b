import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import { ErrorRecord } from '../../src/runtime/errors.js';

export default defineCmdlet({
  name: 'Write-Error',
  synopsis: 'Writes a non-terminating error: it is reported, $? becomes false, and the script goes on (unless -ErrorAction Stop).',
  parameters: {
    Message: { type: 'string', position: 0, mandatory: true, allowNull: true, allowEmptyString: true, sets: ['Message'], pipeline: 'value', description: 'The error message.' },
    ErrorRecord: { type: 'object', mandatory: true, sets: ['Record'], description: 'An existing error record to write again.' },
    ErrorId: { type: 'string', default: 'WriteError', validate: { pattern: '^[A-Za-z][\\w.]*$' }, sets: ['Message'], description: 'The stable error id.' },
    Category: {
      type: 'enum',
      default: 'NotSpecified',
      sets: ['Message'],
      values: ['NotSpecified', 'InvalidArgument', 'InvalidData', 'InvalidOperation', 'InvalidType', 'ObjectNotFound', 'ResourceExists', 'ResourceUnavailable', 'PermissionDenied', 'OperationStopped', 'OperationTimeout', 'ReadError', 'WriteError', 'ConnectionError', 'LimitsExceeded', 'NotImplemented'],
      description: 'The error category.',
    },
    TargetObject: { type: 'object', sets: ['Message'], description: 'The object the error is about.' },
  },
  examples: [{ title: 'Report and go on', code: "Write-Error 'disk missing' -ErrorAction SilentlyContinue; $?; $Error[0].Message", output: [false, 'disk missing'] }],
  process(params, ctx) {
    if (params.ErrorRecord instanceof ErrorRecord) {
      ctx.writeError(params.ErrorRecord);
      return;
    }
    ctx.writeError({ id: params.ErrorId, message: params.Message ?? '', category: params.Category, target: params.TargetObject });
  },
});
