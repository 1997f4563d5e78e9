package org.otpi.udev;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small evaluator for the subset of udev rule syntax the OTPi rules use, run against
 * synthetic devices (this machine has no USB bus to plug a TrueRNG into). Unknown
 * keys or operators fail loudly, so a rule using syntax the evaluator does not model
 * cannot pass by being ignored. Semantics follow udev(7): rules in file-name order;
 * a rule applies when all its match keys match; ATTRS/SUBSYSTEMS/KERNELS/DRIVERS must
 * all match on one device of the parent chain; GOTO jumps to a LABEL in the same file.
 */
final class RuleEvaluator {
    private static final Pattern TOKEN = Pattern.compile(
            "\\s*([A-Z_]+)(?:\\{([^}]*)\\})?\\s*(==|!=|\\+=|-=|:=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*(,|$)");
    private static final Set<String> MATCH_KEYS = Set.of("ACTION", "SUBSYSTEM", "KERNEL", "ENV", "ATTR",
            "ATTRS", "SUBSYSTEMS", "KERNELS", "DRIVERS", "TAG");
    private static final Set<String> PARENT_KEYS = Set.of("ATTRS", "SUBSYSTEMS", "KERNELS", "DRIVERS");
    private static final Set<String> ASSIGN_KEYS = Set.of("ENV", "SYMLINK", "OWNER", "GROUP", "MODE", "TAG",
            "RUN", "NAME", "GOTO", "LABEL");

    /** One device in sysfs: its own subsystem, kernel name, driver and attributes. */
    record Node(String subsystem, String kernel, String driver, Map<String, String> attrs) {
    }

    /** A device event: the device itself first, then its parents. */
    static final class Device {
        final String action;
        final List<Node> chain;
        final Map<String, String> env = new LinkedHashMap<>();
        final Set<String> symlinks = new LinkedHashSet<>();
        final Set<String> tags = new LinkedHashSet<>();
        final List<String> run = new ArrayList<>();
        String owner;
        String group;
        String mode;
        String name;

        Device(String action, Map<String, String> env, Node... chain) {
            this.action = action;
            this.chain = List.of(chain);
            this.env.putAll(env);
        }

        Node self() {
            return chain.get(0);
        }

        /** Space-separated lists such as SYSTEMD_WANTS, split. */
        Set<String> envList(String key) {
            Set<String> out = new LinkedHashSet<>();
            for (String s : env.getOrDefault(key, "").split("\\s+")) {
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
            return out;
        }
    }

    private record Term(String key, String attr, String op, String value) {
    }

    private record Rule(Path file, int line, List<Term> terms) {
    }

    private final List<Rule> rules = new ArrayList<>();

    RuleEvaluator(List<Path> files) throws IOException {
        for (Path file : files.stream().sorted((a, b) -> a.getFileName().compareTo(b.getFileName())).toList()) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                rules.add(new Rule(file, i + 1, parse(file, i + 1, line)));
            }
        }
    }

    private static List<Term> parse(Path file, int lineNo, String line) {
        List<Term> terms = new ArrayList<>();
        Matcher m = TOKEN.matcher(line);
        int pos = 0;
        while (pos < line.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": cannot parse at: " + line.substring(pos));
            }
            Term t = new Term(m.group(1), m.group(2), m.group(3), m.group(4));
            boolean match = t.op.equals("==") || t.op.equals("!=");
            if (match && !MATCH_KEYS.contains(t.key) || !match && !ASSIGN_KEYS.contains(t.key)) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": unsupported " + t.key + t.op);
            }
            terms.add(t);
            pos = m.end();
        }
        return terms;
    }

    Device apply(Device d) {
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = rules.get(i);
            if (!matches(rule, d)) {
                continue;
            }
            String goTo = null;
            for (Term t : rule.terms) {
                if (t.op.equals("==") || t.op.equals("!=")) {
                    continue;
                }
                if (t.key.equals("GOTO")) {
                    goTo = t.value;
                } else if (!t.key.equals("LABEL")) {
                    assign(d, t);
                }
            }
            if (goTo != null) {
                i = findLabel(rule.file, i, goTo) - 1;
            }
        }
        return d;
    }

    private int findLabel(Path file, int from, String label) {
        for (int j = from + 1; j < rules.size(); j++) {
            Rule r = rules.get(j);
            if (!r.file.equals(file)) {
                break;
            }
            for (Term t : r.terms) {
                if (t.key.equals("LABEL") && t.value.equals(label)) {
                    return j;
                }
            }
        }
        throw new IllegalStateException(file + ": GOTO without LABEL " + label);
    }

    private static void assign(Device d, Term t) {
        String v = substitute(d, t.value);
        switch (t.key) {
            case "ENV" -> {
                if (t.op.equals("+=")) {
                    String old = d.env.getOrDefault(t.attr, "");
                    d.env.put(t.attr, old.isEmpty() ? v : old + " " + v);
                } else {
                    d.env.put(t.attr, v);
                }
            }
            case "SYMLINK" -> {
                if (!t.op.equals("+=")) {
                    d.symlinks.clear();
                }
                d.symlinks.add(v);
            }
            case "TAG" -> d.tags.add(v);
            case "RUN" -> d.run.add(v);
            case "OWNER" -> d.owner = v;
            case "GROUP" -> d.group = v;
            case "MODE" -> d.mode = v;
            case "NAME" -> d.name = v;
            default -> throw new IllegalStateException(t.key);
        }
    }

    private static String substitute(Device d, String value) {
        return value.replace("%k", d.self().kernel());
    }

    private static boolean matches(Rule rule, Device d) {
        List<Term> parentTerms = new ArrayList<>();
        for (Term t : rule.terms) {
            if (!(t.op.equals("==") || t.op.equals("!="))) {
                continue;
            }
            if (PARENT_KEYS.contains(t.key)) {
                parentTerms.add(t);
                continue;
            }
            String actual = switch (t.key) {
                case "ACTION" -> d.action;
                case "SUBSYSTEM" -> d.self().subsystem();
                case "KERNEL" -> d.self().kernel();
                case "ENV" -> d.env.get(t.attr);
                case "ATTR" -> d.self().attrs().get(t.attr);
                case "TAG" -> d.tags.contains(t.value) ? t.value : null;
                default -> throw new IllegalStateException(t.key);
            };
            if (glob(t.value, actual) != t.op.equals("==")) {
                return false;
            }
        }
        if (parentTerms.isEmpty()) {
            return true;
        }
        for (Node node : d.chain) {
            boolean all = true;
            for (Term t : parentTerms) {
                String actual = switch (t.key) {
                    case "ATTRS" -> node.attrs().get(t.attr);
                    case "SUBSYSTEMS" -> node.subsystem();
                    case "KERNELS" -> node.kernel();
                    case "DRIVERS" -> node.driver();
                    default -> throw new IllegalStateException(t.key);
                };
                if (glob(t.value, actual) != t.op.equals("==")) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /** udev's shell-style patterns: * ? [...] and | alternatives; a missing value matches only "". */
    static boolean glob(String pattern, String actual) {
        String value = actual == null ? "" : actual;
        for (String alternative : pattern.split("\\|", -1)) {
            StringBuilder re = new StringBuilder();
            for (int i = 0; i < alternative.length(); i++) {
                char c = alternative.charAt(i);
                switch (c) {
                    case '*' -> re.append(".*");
                    case '?' -> re.append('.');
                    case '[' -> {
                        int end = alternative.indexOf(']', i);
                        re.append(alternative, i, end + 1);
                        i = end;
                    }
                    default -> re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            if (value.matches(re.toString())) {
                return true;
            }
        }
        return false;
    }
}
