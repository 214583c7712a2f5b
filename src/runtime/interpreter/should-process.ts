// -WhatIf and -Confirm (ShouldProcess) of cmdlets and advanced functions, and an advanced
// function's $PSCmdlet.
import type { SourceSpan } from '../../language/ast.js';
import { Binder, type Binding } from '../binder.js';
import { confirmQuestion } from '../confirm.js';
import type { CmdletDeclaration } from '../cmdlet.js';
import { PipelineStoppedError, runtimeError } from '../errors.js';
import type { ParamTarget } from '../paramblock.js';
import { toBool, toStr } from '../values.js';
import type { Env } from './env.js';

/** Yes to All / No to All: the answer for the rest of one command's work in a pipeline. */
export interface ConfirmState {
  all?: boolean;
}

interface ShouldProcessCommand {
  command: string;
  impact: CmdletDeclaration['impact'];
  state: ConfirmState;
  /** The command's -Force, which skips the question (undefined: it has no -Force). */
  force?: boolean | undefined;
}

/**
 * -WhatIf / -Confirm for a cmdlet or an advanced function: whether the change should go ahead.
 * -WhatIf (or $WhatIfPreference) describes it instead; -Confirm, or an impact at or above
 * $ConfirmPreference without -Force, asks on the terminal (refusing when there is none).
 */
export async function shouldProcess(env: Env, binding: Binding, { command, impact, state, force }: ShouldProcessCommand, target: string, action: string, span: SourceSpan): Promise<boolean> {
  const { whatIf, confirm } = binding.common;
  if (whatIf || (toBool(env.scope.get('WhatIfPreference')) && !binding.bound.has('WhatIf'))) {
    env.session.host.writeHost(`What if: Performing the operation "${action}" on target "${target}".`, false);
    return false;
  }
  const preference = toStr(env.scope.get('ConfirmPreference')).toLowerCase();
  const levels = ['none', 'low', 'medium', 'high'];
  const byImpact = preference !== 'none' && levels.indexOf(impact ?? 'medium') >= levels.indexOf(preference) && !force;
  if (!(confirm ?? byImpact)) return true;
  if (state.all !== undefined) return state.all;
  const host = env.session.host;
  if (!host.confirm) {
    throw runtimeError({
      id: 'ConfirmationRequired',
      category: 'PermissionDenied',
      message: `${command} needs confirmation to ${action.toLowerCase()} "${target}", and there is no terminal to ask on.`,
      target,
      command,
      span,
      hint: `Add ${force !== undefined ? '-Force or ' : ''}-Confirm:$false to go ahead without asking, or -WhatIf to see what it would do.`,
    });
  }
  const answer = await host.confirm(confirmQuestion(action, target));
  if (answer === 'Cancel' || env.signal.aborted) throw new PipelineStoppedError();
  if (answer === 'YesToAll' || answer === 'NoToAll') state.all = answer === 'YesToAll';
  return answer === 'Yes' || answer === 'YesToAll';
}

/** `$PSCmdlet` in an advanced function or script: ShouldProcess() and the bound parameters. */
export class ScriptCmdlet {
  /** Yes to All / No to All, for the rest of this function's run. */
  private readonly confirmState: ConfirmState = {};
  constructor(
    private readonly env: Env,
    private readonly binding: Binding,
    private readonly target: ParamTarget,
  ) {}

  get ParameterSetName(): string {
    return new Binder(this.target).chooseSet(this.binding);
  }

  get MyInvocation(): { MyCommand: { Name: string } } {
    return { MyCommand: { Name: this.target.name } };
  }

  /** `$PSCmdlet.ShouldProcess(target)` or `(target, action)`; the action defaults to the command's name. */
  shouldProcess(args: unknown[], span: SourceSpan): Promise<boolean> {
    const [target, action] = args;
    return shouldProcess(this.env, this.binding, { command: this.target.name, impact: this.target.impact, state: this.confirmState }, toStr(target), action === undefined ? this.target.name : toStr(action), span);
  }
}
