import type { LoginInfo } from '../../../src-shared/agent';
import type { CliAdapter } from '../adapters/types';
import { judgeLogin, loginTrustPolicy, type LoginTrustPolicy } from '../detect/login-trust';

/**
 * What the session knows about logins: the one the CLI asks for now, the last one it asked for
 * (kept after it stopped asking, or died asking), and which login URLs this spawn vouches for (its
 * adapter's provider hosts and configured base URLs, docs/login-trust.md).
 */
export class LoginState {
  /** The login asked for while the agent is authenticating. */
  current: LoginInfo | undefined;
  /** The last login the CLI asked for, kept after it stopped asking (or died asking). */
  last: LoginInfo | undefined;
  private readonly trust: LoginTrustPolicy | undefined;

  constructor(adapter: CliAdapter, env: Record<string, string>, args: readonly string[]) {
    this.trust = loginTrustPolicy(adapter.loginTrust, env, args);
  }

  /** The login as found on screen, with whether its URL is trusted. */
  judge(found: LoginInfo): LoginInfo {
    return judgeLogin(found, this.trust);
  }

  /** Whether `login` is the one already being asked for (nothing new to report). */
  isCurrent(login: LoginInfo): boolean {
    const current = this.current;
    return (
      current !== undefined &&
      current.method === login.method &&
      current.loginUrl === login.loginUrl &&
      current.deviceCode === login.deviceCode &&
      optionLabels(current.options) === optionLabels(login.options)
    );
  }

  record(login: LoginInfo): void {
    this.current = login;
    this.last = login;
  }
}

/** A login screen that now offers choices (a method chooser) is news even with the same URL. */
function optionLabels(options: LoginInfo['options']): string {
  return (options ?? []).map((option) => option.label).join('\n');
}
