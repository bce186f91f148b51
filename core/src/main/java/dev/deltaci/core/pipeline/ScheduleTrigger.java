package dev.deltaci.core.pipeline;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;

/**
 * {@code on: schedule}: Unix cron expressions (five fields, UTC), as GitHub Actions reads them.
 * A scheduled function asks each registered pipeline which of its crons fell due since it last
 * looked; a due time it slept through is not made up for, as on GitHub.
 */
public record ScheduleTrigger(List<String> crons) {

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    public ScheduleTrigger {
        crons = List.copyOf(crons);
    }

    /** Why {@code cron} is not a valid expression, or null when it is. */
    public static String problem(String cron) {
        try {
            PARSER.parse(cron).validate();
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** The latest time at or before {@code now} that {@code cron} fires, if any. */
    public static Optional<Instant> lastDue(String cron, Instant now) {
        // lastExecution is strictly before its argument: ask from the next whole second so "now" counts
        ZonedDateTime after = ZonedDateTime.ofInstant(now, ZoneOffset.UTC).plusSeconds(1).withNano(0);
        return ExecutionTime.forCron(PARSER.parse(cron)).lastExecution(after).map(ZonedDateTime::toInstant);
    }
}
