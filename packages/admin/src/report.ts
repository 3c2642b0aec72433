/** What install or uninstall did, left unchanged, and left for the operator. */
export interface StepReport {
  done: string[];
  unchanged: string[];
  todo: string[];
}

export function printReport(verb: string, report: StepReport, print: (line: string) => void): void {
  for (const line of report.done) print(`${verb}: ${line}`);
  for (const line of report.unchanged) print(`${verb}: unchanged: ${line}`);
  if (report.done.length === 0)
    print(`${verb}: nothing to do, already ${verb === 'install' ? 'installed' : 'uninstalled'}`);
  for (const line of report.todo) print(`${verb}: ${line}`);
}
