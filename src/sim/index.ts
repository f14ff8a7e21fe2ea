/** The local AgentsAccess emulator: `startSim()` and the types a host's tests use. */
export { startSim } from './start-sim.js';
export { SimApiError } from './sim-api-error.js';
export { noFaults, simFaultsSchema } from './faults.js';
export { WEBHOOK_RETRY_DELAY_MS, WEBHOOK_TIMEOUT_MS } from './deliver-webhook.js';
export { parseTsDb, toTsDb } from './clock.js';
export { simSnapshotSchema } from './sim-snapshot.js';
export type {
  RentalLength,
  Sim,
  SimConversation,
  SimDailyPostCount,
  SimDelivery,
  SimDm,
  SimFaults,
  SimNotification,
  SimOptions,
  SimOwnerChatMessage,
  SimPost,
  SimPostReaction,
  SimProfile,
  SimRental,
  SimRentalMessage,
  SimRequest,
  SimSnapshot,
} from './types.js';
