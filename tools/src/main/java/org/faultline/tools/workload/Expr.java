package org.faultline.tools.workload;

import java.util.Set;

/**
 * A number in a workload: a size ({@code 4096}, {@code 4k}, {@code 1M}, {@code 0x1000}) or an
 * arithmetic expression over sizes and loop variables, written without spaces ({@code $i*4k},
 * {@code ($i+1)*64k-512}). Operators {@code + - * / %} with the usual precedence, unary minus and
 * parentheses. Suffixes {@code k M G T} (either case) multiply by 2^10, 2^20, 2^30, 2^40. A
 * {@code $NAME} that no enclosing loop binds is the workload's {@code param NAME}, a constant.
 */
public abstract class Expr {
    /** Loop variables in scope at run time: an immutable chain, innermost first. */
    public record Env(String name, long value, Env outer) {
        /** No variables: outside every loop. */
        public static final Env EMPTY = new Env(null, 0, null);

        /** This environment with {@code n} bound to {@code v}. */
        public Env bind(String n, long v) {
            return new Env(n, v, this);
        }

        Long lookup(String n) {
            for (Env e = this; e != null && e.name != null; e = e.outer) {
                if (e.name.equals(n)) {
                    return e.value;
                }
            }
            return null;
        }

        /** " [i=3 j=0]", outermost first, or "" outside loops. */
        String describe() {
            if (name == null) {
                return "";
            }
            StringBuilder sb = new StringBuilder();
            append(sb);
            return " [" + sb + "]";
        }

        private void append(StringBuilder sb) {
            if (outer != null && outer.name != null) {
                outer.append(sb);
                sb.append(' ');
            }
            sb.append(name).append('=').append(value);
        }
    }

    /** Evaluates; throws ArithmeticException on overflow or division by zero. */
    public abstract long eval(Env env);

    /** The value if the expression has no variables, else null. */
    public abstract Long constant();

    private final String text;

    private Expr(String text) {
        this.text = text;
    }

    @Override
    public String toString() {
        return text;
    }

    static Expr of(long v) {
        return new Const(Long.toString(v), v);
    }

    /**
     * Parses {@code s}.
     *
     * @param vars loop variables in scope
     * @throws IllegalArgumentException with a one-line reason
     */
    static Expr parse(String s, Set<String> vars) {
        return parse(s, vars, java.util.Map.of());
    }

    /**
     * Parses {@code s} where {@code $NAME} is a loop variable in {@code vars} or, if none is named
     * so, a workload parameter of {@code params} (a constant).
     */
    static Expr parse(String s, Set<String> vars, java.util.Map<String, Long> params) {
        P p = new P(s, vars, params);
        Expr e = p.sum();
        if (p.pos != s.length()) {
            throw new IllegalArgumentException("bad number '" + s + "'");
        }
        return e;
    }

    private static final class Const extends Expr {
        private final long v;

        Const(String text, long v) {
            super(text);
            this.v = v;
        }

        @Override
        public long eval(Env env) {
            return v;
        }

        @Override
        public Long constant() {
            return v;
        }
    }

    private static final class Var extends Expr {
        private final String name;

        Var(String name) {
            super("$" + name);
            this.name = name;
        }

        @Override
        public long eval(Env env) {
            Long v = env.lookup(name);
            if (v == null) {
                throw new IllegalStateException("variable $" + name + " not bound");
            }
            return v;
        }

        @Override
        public Long constant() {
            return null;
        }
    }

    private static final class Op extends Expr {
        private final char op;
        private final Expr a;
        private final Expr b;

        Op(String text, char op, Expr a, Expr b) {
            super(text);
            this.op = op;
            this.a = a;
            this.b = b;
        }

        @Override
        public long eval(Env env) {
            long x = a.eval(env);
            long y = b.eval(env);
            return switch (op) {
                case '+' -> Math.addExact(x, y);
                case '-' -> Math.subtractExact(x, y);
                case '*' -> Math.multiplyExact(x, y);
                case '/' -> {
                    if (y == 0) {
                        throw new ArithmeticException("division by zero in " + this);
                    }
                    yield x / y;
                }
                case '%' -> {
                    if (y == 0) {
                        throw new ArithmeticException("division by zero in " + this);
                    }
                    yield x % y;
                }
                default -> throw new IllegalStateException("operator " + op);
            };
        }

        @Override
        public Long constant() {
            Long x = a.constant();
            Long y = b.constant();
            if (x == null || y == null) {
                return null;
            }
            try {
                return eval(Env.EMPTY);
            } catch (ArithmeticException e) {
                return null; // reported when it runs
            }
        }
    }

    private static final class Neg extends Expr {
        private final Expr a;

        Neg(String text, Expr a) {
            super(text);
            this.a = a;
        }

        @Override
        public long eval(Env env) {
            return Math.negateExact(a.eval(env));
        }

        @Override
        public Long constant() {
            Long x = a.constant();
            return x == null ? null : -x;
        }
    }

    /** Deepest nesting of parentheses and unary minus in one expression. */
    static final int MAX_DEPTH = 32;
    /** Most binary operators in one expression (so the tree, and the recursion evaluating it, stay small). */
    static final int MAX_OPERATORS = 256;

    /** Recursive-descent parser over one token; nesting is bounded by {@link #MAX_DEPTH}. */
    private static final class P {
        final String s;
        final Set<String> vars;
        final java.util.Map<String, Long> params;
        int pos;
        int depth;

        int operators;

        void operator() {
            if (++operators > MAX_OPERATORS) {
                throw new IllegalArgumentException("more than " + MAX_OPERATORS + " operators in one expression");
            }
        }

        void enter() {
            if (++depth > MAX_DEPTH) {
                throw new IllegalArgumentException("nesting deeper than " + MAX_DEPTH);
            }
        }

        P(String s, Set<String> vars, java.util.Map<String, Long> params) {
            this.s = s;
            this.vars = vars;
            this.params = params;
        }

        Expr sum() {
            int start = pos;
            Expr e = product();
            while (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                char op = s.charAt(pos++);
                operator();
                Expr r = product();
                e = new Op(s.substring(start, pos), op, e, r);
            }
            return e;
        }

        Expr product() {
            int start = pos;
            Expr e = unary();
            while (pos < s.length() && (s.charAt(pos) == '*' || s.charAt(pos) == '/' || s.charAt(pos) == '%')) {
                char op = s.charAt(pos++);
                operator();
                Expr r = unary();
                e = new Op(s.substring(start, pos), op, e, r);
            }
            return e;
        }

        Expr unary() {
            int start = pos;
            if (pos < s.length() && s.charAt(pos) == '-') {
                pos++;
                enter();
                Expr a = unary();
                depth--;
                return new Neg(s.substring(start, pos), a);
            }
            return atom();
        }

        Expr atom() {
            if (pos >= s.length()) {
                throw bad();
            }
            char c = s.charAt(pos);
            if (c == '(') {
                pos++;
                enter();
                Expr e = sum();
                depth--;
                if (pos >= s.length() || s.charAt(pos) != ')') {
                    throw new IllegalArgumentException("bad number '" + s + "': missing ')'");
                }
                pos++;
                return e;
            }
            if (c == '$') {
                int start = ++pos;
                while (pos < s.length() && isNameChar(s.charAt(pos), pos == start)) {
                    pos++;
                }
                String name = s.substring(start, pos);
                if (name.isEmpty()) {
                    throw bad();
                }
                if (!vars.contains(name)) {
                    Long v = params.get(name);
                    if (v != null) {
                        return new Const("$" + name, v);
                    }
                    throw new IllegalArgumentException("undefined variable $" + name
                            + (vars.isEmpty() ? " (loop variables exist only inside their loop)" : ""));
                }
                return new Var(name);
            }
            if (c >= '0' && c <= '9') {
                return number();
            }
            throw bad();
        }

        Expr number() {
            int start = pos;
            long v;
            if (s.startsWith("0x", pos) || s.startsWith("0X", pos)) {
                pos += 2;
                int d = pos;
                while (pos < s.length() && Character.digit(s.charAt(pos), 16) >= 0) {
                    pos++;
                }
                if (pos == d || pos - d > 16) {
                    throw bad();
                }
                v = Long.parseUnsignedLong(s.substring(d, pos), 16);
                if (v < 0) {
                    throw new IllegalArgumentException("'" + s + "' is too large");
                }
            } else {
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                    pos++;
                }
                if (pos - start > 18) {
                    throw new IllegalArgumentException("'" + s + "' is too large");
                }
                v = Long.parseLong(s.substring(start, pos));
            }
            if (pos < s.length()) {
                int shift = switch (Character.toLowerCase(s.charAt(pos))) {
                    case 'k' -> 10;
                    case 'm' -> 20;
                    case 'g' -> 30;
                    case 't' -> 40;
                    default -> -1;
                };
                if (shift > 0) {
                    pos++;
                    if (v > (Long.MAX_VALUE >> shift)) {
                        throw new IllegalArgumentException("'" + s + "' is too large");
                    }
                    v <<= shift;
                }
            }
            if (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
                throw bad();
            }
            return new Const(s.substring(start, pos), v);
        }

        IllegalArgumentException bad() {
            return new IllegalArgumentException("bad number '" + s + "'");
        }
    }

    static boolean isNameChar(char c, boolean first) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || !first && c >= '0' && c <= '9';
    }
}
