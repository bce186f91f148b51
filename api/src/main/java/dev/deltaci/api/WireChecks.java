package dev.deltaci.api;

import java.util.regex.Pattern;

/** The checks a request's records make when they are built: a bad field is refused by name. */
final class WireChecks {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private WireChecks() {
    }

    static String id(String field, String value) {
        if (value == null || !ID.matcher(value).matches()) {
            throw new IllegalArgumentException("'" + field
                    + "' is missing or not an id (letters, digits, '_.:-', at most 128)");
        }
        return value;
    }

    static long atLeastZero(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("'" + field + "' must be a whole number of 0 or more");
        }
        return value;
    }

    static String sha256OrNull(String field, String value) {
        if (value != null && !SHA256.matcher(value).matches()) {
            throw new IllegalArgumentException("'" + field + "' must be 64 lowercase hex digits");
        }
        return value;
    }

    static String required(String field, String value) {
        if (value == null) {
            throw new IllegalArgumentException("'" + field + "' must be a string");
        }
        return value;
    }
}
