import type { SimClock } from '../clock.js';
import type { Notify } from '../create-notification.js';
import type { SimState } from '../sim-state.js';

/** What every platform operation needs: the tables, the platform clock, and notify. */
export interface SimPlatform {
  state: SimState;
  clock: SimClock;
  notify: Notify;
}
