package org.faultline.tools;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * The {@code --json} result object of a command, built on Gson: keys in insertion order, strings
 * escaped by Gson, doubles with a fixed number of decimals (NaN and infinities as {@code null}),
 * nested objects for tallies. One object per line, so scripts can {@code jq} it.
 */
public final class Json {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
    private final JsonObject o = new JsonObject();

    /** @return this, with {@code k} a string (or null) */
    public Json put(String k, String v) {
        o.add(k, v == null ? JsonNull.INSTANCE : new com.google.gson.JsonPrimitive(v));
        return this;
    }

    /** @return this, with {@code k} an integer */
    public Json put(String k, long v) {
        o.addProperty(k, v);
        return this;
    }

    /** @return this, with {@code k} a boolean */
    public Json put(String k, boolean v) {
        o.addProperty(k, v);
        return this;
    }

    /** @return this, with {@code k} a double with {@code decimals} digits after the point */
    public Json put(String k, double v, int decimals) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            o.add(k, JsonNull.INSTANCE);
        } else {
            o.addProperty(k, BigDecimal.valueOf(v).setScale(decimals, RoundingMode.HALF_EVEN));
        }
        return this;
    }

    /** @return this, with {@code k} a nested object */
    public Json put(String k, Json v) {
        o.add(k, v.o);
        return this;
    }

    /** @return this, with {@code k} an array of numbers ({@code decimals} digits after the point) */
    public Json putNumbers(String k, double[] v, int decimals) {
        com.google.gson.JsonArray a = new com.google.gson.JsonArray();
        for (double d : v) {
            a.add(BigDecimal.valueOf(d).setScale(decimals, RoundingMode.HALF_EVEN));
        }
        o.add(k, a);
        return this;
    }

    /** @return this, with {@code k} an array of objects */
    public Json putObjects(String k, java.util.List<Json> v) {
        com.google.gson.JsonArray a = new com.google.gson.JsonArray();
        for (Json j : v) {
            a.add(j.o);
        }
        o.add(k, a);
        return this;
    }

    /** @return this, with {@code k} an object of the counts in {@code m} (its order kept) */
    public Json putCounts(String k, Map<String, ? extends Number> m) {
        JsonObject c = new JsonObject();
        m.forEach(c::addProperty);
        o.add(k, c);
        return this;
    }

    @Override
    public String toString() {
        return GSON.toJson(o);
    }
}
