import { AaHostError } from '../errors.js';

/**
 * A refusal by the emulated platform. The HTTP layer answers `status` with
 * `{"error": message}`; programmatic calls (`sim.startRental(...)`) throw it as is.
 */
export class SimApiError extends AaHostError {
  readonly status: number;
  constructor(status: number, message: string) {
    super('AA_SIM_API', message);
    this.status = status;
  }
}
