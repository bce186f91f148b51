package dev.deltaci.functions.attempt;

import dev.deltaci.api.PresenceReply;
import dev.deltaci.api.PresenceRequest;
import dev.deltaci.api.RegisterReply;
import dev.deltaci.api.RegisterRequest;
import dev.deltaci.core.pipeline.RunnerLabels;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.security.AwsInstanceIdentity;
import dev.deltaci.functions.security.HashedTokens;
import dev.deltaci.functions.security.RunnerAuth;
import dev.deltaci.functions.scale.RunnerPools;
import dev.deltaci.functions.store.FleetStore;
import dev.deltaci.functions.store.OpsStore;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Who the runners are: registration (the id is made here), credential renewal, presence. */
final class RunnerRegistry {

    private static final int MAX_NAME_CHARS = 96;
    /** The name a runner asks for; its id is the name and a random suffix, so it still fits a request's id. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1," + MAX_NAME_CHARS + "}");
    private static final int RUNNER_ID_SUFFIX_BYTES = 6;

    /** An instance id as EC2 makes them, or a local process fleet's ({@code local-3}). */
    private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final RunnerAuth auth;
    private final OpsStore ops;
    private final FleetStore fleet;
    private final RunnerPools pools;
    private final AwsInstanceIdentity identity;
    /** Told to every runner it registers: where requeued jobs wait for it to look first; null for none. */
    private final String retryQueueUrl;

    RunnerRegistry(RunnerAuth auth, OpsStore ops, FleetStore fleet, RunnerPools pools, AwsInstanceIdentity identity,
                   String retryQueueUrl) {
        this.retryQueueUrl = retryQueueUrl;
        this.auth = auth;
        this.ops = ops;
        this.fleet = fleet;
        this.pools = pools;
        this.identity = identity;
    }

    /**
     * A runner trades its registration token for a credential of its own, scoped to the token's
     * pool and to labels the token allows. The runner's id is made here, from the name it asks for
     * and a random suffix: no client can claim the id of a live runner, so a registration token
     * in the wrong hands (a step that found it) cannot act on another runner's leases. Runners
     * rotate their credential with {@code renew}, and need the registration token only once.
     */
    ApiResponse register(byte[] body) {
        RegisterRequest request;
        try {
            request = RunnerRequest.read(body, RegisterRequest.class,
                    "a JSON object with 'registrationToken' and 'name'");
        } catch (BadRequest e) {
            return ApiResponse.error(400, e.getMessage());
        }
        String name = request.name() == null ? "runner" : request.name();
        if (!NAME.matcher(name).matches()) {
            return ApiResponse.error(400, "'name' is not a runner name (letters, digits, '_.:-', at most "
                    + MAX_NAME_CHARS + ")");
        }
        List<String> labels = request.labels();
        for (String label : labels) {
            if (label == null || !RunnerLabels.LABEL.matcher(label).matches()) {
                return ApiResponse.error(400, "'labels' has " + (label == null ? "null" : "\"" + label + "\"")
                        + ", which is not a label (a-z, 0-9, '._-')");
            }
        }
        if (labels.size() > RunnerLabels.MAX_LABELS) {
            return ApiResponse.error(400, "a runner has at most " + RunnerLabels.MAX_LABELS + " labels");
        }
        if (request.awsIdentity() != null) {
            return byInstanceIdentity(request, name, labels);
        }
        Optional<RunnerAuth.Registration> registration = auth.registrationFor(
                request.registrationToken() == null ? "" : request.registrationToken());
        if (registration.isEmpty()) {
            return ApiResponse.error(401, "unknown registration token");
        }
        List<String> allowed = registration.get().labels();
        if (allowed != null && !RunnerLabels.satisfies(allowed, labels)) {
            return ApiResponse.error(403, "the registration token of pool '" + registration.get().pool()
                    + "' allows labels " + allowed + ", not " + labels);
        }
        String runnerId = newRunnerId(name);
        if (request.instanceId() == null) {
            return credentialAnswer(auth.issue(runnerId, registration.get().pool(), labels));
        }
        if (pools.named(registration.get().pool()).map(p -> p.instanceRole() != null).orElse(false)) {
            // a token names whatever instance it likes: where instances can prove who they are, only that counts
            return ApiResponse.error(403, "pool '" + registration.get().pool() + "' registers its instances by their "
                    + "identity (--register-with aws-identity), not by a token");
        }
        return onInstance(request.instanceId(), registration.get().pool(), runnerId, labels);
    }

    /**
     * A runner that proves which instance it runs on (no token, nothing secret on the instance):
     * STS says the proof was signed by the instance role of a pool, for an instance the scaler has
     * seen in that pool's group. Each proof registers once.
     */
    private ApiResponse byInstanceIdentity(RegisterRequest request, String name, List<String> labels) {
        AwsInstanceIdentity.Verified who;
        try {
            who = identity.verify(request.awsIdentity());
        } catch (AwsInstanceIdentity.Refused e) {
            return ApiResponse.error(e.status(), e.getMessage());
        }
        Optional<RunnerPools.Pool> pool = pools.withInstanceRole(who.roleName());
        if (pool.isEmpty()) {
            return ApiResponse.error(403, "role " + who.roleName() + " is not the instance role of a runner pool");
        }
        String poolName = pool.get().spec().name();
        Optional<FleetStore.InstanceRecord> seen = fleet.instance(who.instanceId());
        if (seen.isEmpty() || !poolName.equals(seen.get().pool())) {
            // the scaler records each instance of the group within seconds of its launch
            return ApiResponse.error(503, "instance " + who.instanceId() + " has not been seen in pool " + poolName
                    + "'s group yet; try again in a few seconds");
        }
        if (!RunnerLabels.satisfies(pool.get().spec().labels(), labels)) {
            return ApiResponse.error(403, "pool '" + poolName + "' offers labels " + pool.get().spec().labels()
                    + ", not " + labels);
        }
        if (!fleet.useProofOnce(HashedTokens.hex(AwsInstanceIdentity.signatureOf(request.awsIdentity())))) {
            return ApiResponse.error(401, "this identity proof was used already; sign a new one");
        }
        String runnerId = newRunnerId(name);
        return onInstance(who.instanceId(), poolName, runnerId, labels);
    }

    /**
     * A runner on an autoscaled instance: bound to the instance, so the scaler can drain it. Only
     * in a pool the scaler manages; refused (409) once the instance is drained, so a runner that
     * restarts on an instance being taken out does not take work again.
     */
    private ApiResponse onInstance(String instanceId, String poolName, String runnerId, List<String> labels) {
        if (!INSTANCE_ID.matcher(instanceId).matches()) {
            return ApiResponse.error(400, "'instanceId' is not an instance id (letters, digits, '_.-', at most 64)");
        }
        Optional<RunnerPools.Pool> pool = pools.named(poolName);
        if (pool.isEmpty()) {
            return ApiResponse.error(403, "pool '" + poolName + "' is not an autoscaled pool (" + RunnerPools.ENV
                    + "), so its runners do not name an instance");
        }
        Optional<String> drained = fleet.register(instanceId, poolName, runnerId);
        if (drained.isPresent()) {
            return ApiResponse.error(409, "instance " + instanceId + ": " + drained.get());
        }
        return credentialAnswer(auth.issue(runnerId, poolName, labels, instanceId, pool.get().spec().ephemeral()));
    }

    /** A fresh credential for the runner, pool and labels of a valid one: how runners rotate. */
    ApiResponse renew(RunnerAuth.Credential current) {
        return credentialAnswer(auth.issue(current.runnerId(), current.pool(), current.labels(), current.instanceId(),
                current.ephemeral()));
    }

    /** The name and a random suffix ({@code FleetStore.slotOf} takes the name back). */
    private static String newRunnerId(String name) {
        return name + "-" + HashedTokens.newSecret(RUNNER_ID_SUFFIX_BYTES);
    }

    private static long inState(PresenceRequest request) {
        return request.inStateForMs() == null ? -1 : request.inStateForMs();
    }

    private ApiResponse credentialAnswer(RunnerAuth.Credential credential) {
        return ApiResponse.reply(new RegisterReply.Registered(auth.encode(credential), credential.runnerId(),
                credential.pool(), credential.labels(), credential.expiresAtEpochMs(), auth.ttl().toMillis(), retryQueueUrl));
    }

    /**
     * A runner says it is here, and whether it is running a job: what runner availability
     * (idle / busy / registered) is counted from. {@code gone} removes it at once.
     */
    ApiResponse presence(byte[] body, RunnerAuth.Credential credential) {
        PresenceRequest request;
        try {
            request = RunnerRequest.read(body, PresenceRequest.class, "a JSON object with 'state'");
        } catch (BadRequest e) {
            return ApiResponse.error(400, e.getMessage());
        }
        switch (request.state()) {
            case GONE -> ops.forgetRunner(credential.runnerId());
            case IDLE -> ops.recordPresence(credential.runnerId(), credential.pool(), credential.labels(),
                    OpsStore.RunnerState.IDLE, credential.instanceId(), inState(request));
            case BUSY -> ops.recordPresence(credential.runnerId(), credential.pool(), credential.labels(),
                    OpsStore.RunnerState.BUSY, credential.instanceId(), inState(request));
        }
        return ApiResponse.reply(new PresenceReply.Recorded(credential.runnerId(), request.state()));
    }
}
