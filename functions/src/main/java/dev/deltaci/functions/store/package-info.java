/**
 * DynamoDB, the only authority: every state change is one conditional write on one item.
 *
 * <p>Items are mapped by the Enhanced Client's static schemas ({@link dev.deltaci.functions.store.ItemSchemas}:
 * no reflection, so nothing to scan at a Lambda cold start), and runs, jobs and runner presence
 * are written through it: a conditional put creates an item only if it is absent.
 *
 * <p>Every transition after that is a low-level {@code UpdateItem}, kept so because the Enhanced
 * Client cannot say its expression: arithmetic in {@code SET} (the new epoch, {@code #attempt =
 * #attempt + :one}, {@code if_not_exists} counters), {@code list_append} onto a job's
 * {@code history}, {@code REMOVE} of sparse-index keys in the same write, {@code ADD} on the ops
 * ledger, and the lock-style version checks of concurrency gates. Their conditions and updates
 * are named constants in {@link dev.deltaci.functions.store.Conditions} with their expanded
 * form (pinned by {@code LeaseProtocolTest}); the images they return are mapped by the same schemas.
 *
 * <p>Writes answer with typed outcomes: {@link dev.deltaci.functions.store.LeaseOutcome},
 * {@link dev.deltaci.functions.store.HeartbeatOutcome}, {@link dev.deltaci.functions.store.CompleteOutcome},
 * and {@link dev.deltaci.functions.store.Written} for a transition that either took effect or
 * found its condition no longer held.
 */
package dev.deltaci.functions.store;
