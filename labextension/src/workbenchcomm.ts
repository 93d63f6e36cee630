// The panels' line to the kernel: one comm (`spark_sql_kbase.catalog`) to the active Spark SQL
// (KBase) notebook's kernel, opened when first needed and again after a restart; requests
// carry an id and are answered by the event with that id. The kernel serves this comm beside
// the cells, so a request never waits behind a running cell.
// Must not: shape anything for display (the panels do).

import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Kernel } from '@jupyterlab/services';
import type { Found, Past, WorkbenchEvent, WorkbenchRequest } from './generated/workbench';

export const KERNEL_NAME = 'spark-sql-kbase';
const TARGET = 'spark_sql_kbase.catalog';
/** A request unanswered this long is given up (the kernel's own bound is 60 s). */
const GIVE_UP_MS = 90_000;

/** A request as a panel asks it; the id is added when it is sent. */
export type Ask = WorkbenchRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

export type Answer = WorkbenchEvent;
export type { Found, Past };

/** Whether `panel` is a notebook on this kernel. */
export function onThisKernel(panel: NotebookPanel | null): panel is NotebookPanel {
  return panel?.sessionContext.session?.kernel?.name === KERNEL_NAME;
}

/** How the kernel is, as the panels say it. */
export type KernelState = 'none' | 'idle' | 'busy' | 'starting' | 'restarting' | 'dead';

export class WorkbenchClient {
  private comm: Kernel.IComm | null = null;
  private kernelId = '';
  private next = 1;
  private waiting = new Map<number, (answer: Answer) => void>();

  constructor(private tracker: INotebookTracker) {}

  /** The active notebook on this kernel, if any. */
  get panel(): NotebookPanel | null {
    const panel = this.tracker.currentWidget;
    return onThisKernel(panel) ? panel : null;
  }

  state(): KernelState {
    const status = this.panel?.sessionContext.kernelDisplayStatus;
    switch (status) {
      case undefined:
        return 'none';
      case 'idle':
      case 'busy':
      case 'starting':
      case 'restarting':
      case 'dead':
        return status;
      case 'autorestarting':
        return 'restarting';
      case 'terminating':
      case 'unknown':
        return 'dead';
      default:
        return 'starting';
    }
  }

  /** Asks the kernel; `progress` hears a search's answers before its last. */
  request(ask: Ask, progress?: (answer: Answer) => void): Promise<Answer> {
    const kernel = this.panel?.sessionContext.session?.kernel;
    if (!kernel) {
      return Promise.resolve({
        event: 'error',
        id: 0,
        message: 'No Spark SQL (KBase) notebook is active.',
      });
    }
    const comm = this.commFor(kernel);
    const id = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ event: 'error', id, message: 'The kernel did not answer in 90 s.' });
      }, GIVE_UP_MS);
      this.waiting.set(id, (answer) => {
        if (answer.event === 'found' && !answer.done) {
          progress?.(answer);
          return;
        }
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(answer);
      });
      comm.send({ id, ...ask });
    });
  }

  private commFor(kernel: Kernel.IKernelConnection): Kernel.IComm {
    if (this.comm && !this.comm.isDisposed && this.kernelId === kernel.id) {
      return this.comm;
    }
    this.dropWaiting('The kernel changed before it answered.');
    const comm = kernel.createComm(TARGET);
    comm.onMsg = (msg) => {
      const answer = msg.content.data as unknown as Answer;
      this.waiting.get(answer.id)?.(answer);
    };
    comm.onClose = () =>
      this.dropWaiting('The kernel closed the catalog line (it restarted or stopped).');
    comm.open({});
    this.comm = comm;
    this.kernelId = kernel.id;
    kernel.statusChanged.connect((_, status) => {
      if (status === 'restarting' || status === 'autorestarting' || status === 'dead') {
        this.dropWaiting('The kernel is restarting: ask again once it is back.');
        this.comm = null;
      }
    });
    return comm;
  }

  private dropWaiting(message: string): void {
    for (const [id, answer] of [...this.waiting]) {
      answer({ event: 'error', id, message });
    }
    this.waiting.clear();
  }
}
