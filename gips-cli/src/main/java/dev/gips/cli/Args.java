package dev.gips.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One command's arguments: positional ones, and {@code --option} or {@code --option VALUE} ones in any order;
 * {@code --} ends the options, so that a payload may start with {@code --}.
 */
final class Args {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)?");

    private final List<String> positional = new ArrayList<>();
    private final Map<String, List<String>> options = new LinkedHashMap<>();

    private Args() {}

    /**
     * @param flags  options without a value
     * @param valued options with one value each (may repeat)
     */
    static Args parse(List<String> args, Set<String> flags, Set<String> valued) throws UsageException {
        Args a = new Args();
        boolean optionsDone = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!optionsDone && arg.equals("--")) {
                optionsDone = true;
            } else if (!optionsDone && arg.startsWith("--")) {
                if (flags.contains(arg)) {
                    a.options.computeIfAbsent(arg, k -> new ArrayList<>()).add("");
                } else if (valued.contains(arg)) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException(arg + " needs a value");
                    }
                    a.options.computeIfAbsent(arg, k -> new ArrayList<>()).add(args.get(++i));
                } else {
                    throw new UsageException("unknown option " + arg);
                }
            } else {
                a.positional.add(arg);
            }
        }
        return a;
    }

    /** The positional arguments. */
    List<String> positional() {
        return positional;
    }

    /** The positional argument at {@code index}, which must be there: {@code what} names it in the error. */
    String required(int index, String what) throws UsageException {
        if (positional.size() <= index) {
            throw new UsageException("missing " + what);
        }
        return positional.get(index);
    }

    /** Fails unless there are at most {@code max} positional arguments. */
    void atMost(int max) throws UsageException {
        if (positional.size() > max) {
            throw new UsageException("unexpected argument " + positional.get(max));
        }
    }

    boolean has(String option) {
        return options.containsKey(option);
    }

    /** Every value given for {@code option}, in order. */
    List<String> all(String option) {
        return options.getOrDefault(option, List.of());
    }

    /** The value of {@code option}, given at most once, or {@code null}. */
    String value(String option) throws UsageException {
        List<String> values = all(option);
        if (values.size() > 1) {
            throw new UsageException(option + " given more than once");
        }
        return values.isEmpty() ? null : values.get(0);
    }

    /** A duration option: {@code 500ms}, {@code 10s}, {@code 2m}, or a number of seconds. */
    Duration duration(String option, Duration otherwise) throws UsageException {
        String v = value(option);
        if (v == null) {
            return otherwise;
        }
        Matcher m = DURATION.matcher(v);
        if (!m.matches()) {
            throw new UsageException(option + " takes a duration such as 500ms, 10s or 2m, not " + v);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /** A positive whole-number option, or {@code otherwise}. */
    int count(String option, int otherwise) throws UsageException {
        String v = value(option);
        if (v == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, with the option's name
        }
        throw new UsageException(option + " takes a positive whole number, not " + v);
    }
}
