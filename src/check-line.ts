/**
 * One line of `tsgenkernel check`. Defined here, below every folder, because checks come from
 * many places (the stages, the UKI, the features) and `cli/check.ts` only collects and prints them.
 */
export type CheckStatus = 'ok' | 'warn' | 'FAIL';

export interface CheckLine {
  status: CheckStatus;
  name: string;
  text: string;
  hint?: string;
}
