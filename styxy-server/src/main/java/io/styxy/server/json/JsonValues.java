package io.styxy.server.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON as plain Java values, read and written with Jackson's streaming parser and generator.
 *
 * <p>A document becomes {@link LinkedHashMap} (keys in document order, the last of a repeated key wins),
 * {@link ArrayList}, {@link String}, {@link Integer}, {@link Long} or {@link BigInteger} for whole numbers (the
 * smallest that holds the value), {@link Double} for the others, {@link Boolean} and {@code null}. Writing takes the
 * same, any {@link Map}, {@link Iterable} or array and other {@link Number}s; an enum is its name and anything else
 * its {@code toString()} (an {@code Instant}, a {@code Path}), never fields found through reflection.
 *
 * <p>The daemon's JSON is small and built from maps and lists, so the tree and object mapping of a full data-binding
 * library would be some 400 classes resident in every daemon for nothing (docs/performance.md, "Idle RSS").
 */
public final class JsonValues {

    /** What the daemon reads is at most a few KB: a deep or long document is hostile, not a real one. */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(32).maxStringLength(64 * 1024).maxNumberLength(32).build())
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8) // 🚀 as itself, not as two escapes
            .build();

    private JsonValues() {
    }

    /** The one document in {@code json}; empty input, trailing content and non-finite numbers are errors. */
    public static Object parse(byte[] json) throws JsonProcessingException {
        try (JsonParser parser = FACTORY.createParser(json)) {
            return document(parser);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array has no I/O to fail
        }
    }

    /** As {@link #parse(byte[])}, from text. */
    public static Object parse(String json) throws JsonProcessingException {
        try (JsonParser parser = FACTORY.createParser(json)) {
            return document(parser);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The document as UTF-8 bytes, compact. */
    public static byte[] bytes(Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            write(generator, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array has no I/O to fail
        }
        return out.toByteArray();
    }

    /** A generator of compact UTF-8 JSON into {@code out}, written as {@link #bytes} writes, for a caller's own buffer. */
    public static JsonGenerator generator(OutputStream out) throws IOException {
        return FACTORY.createGenerator(out, JsonEncoding.UTF8);
    }

    /** The document as compact text. */
    public static String text(Object value) {
        return text(value, false);
    }

    /** The document as text indented two spaces a level, for files people edit. */
    public static String prettyText(Object value) {
        return text(value, true);
    }

    private static String text(Object value, boolean pretty) {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            if (pretty) {
                generator.setPrettyPrinter(new DefaultPrettyPrinter());
            }
            write(generator, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Writes one value with {@code generator}. */
    public static void write(JsonGenerator generator, Object value) throws IOException {
        switch (value) {
            case null -> generator.writeNull();
            case String s -> generator.writeString(s);
            case Boolean b -> generator.writeBoolean(b);
            case Integer i -> generator.writeNumber(i);
            case Long l -> generator.writeNumber(l);
            case Short s -> generator.writeNumber(s);
            case Byte b -> generator.writeNumber(b);
            case BigInteger i -> generator.writeNumber(i);
            case Double d -> generator.writeNumber(d);
            case Float f -> generator.writeNumber(f);
            case BigDecimal d -> generator.writeNumber(d);
            case Map<?, ?> map -> {
                generator.writeStartObject();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    generator.writeFieldName(String.valueOf(e.getKey()));
                    write(generator, e.getValue());
                }
                generator.writeEndObject();
            }
            case Path path -> generator.writeString(path.toString()); // a Path is also an Iterable of Paths
            case Iterable<?> items -> {
                generator.writeStartArray();
                for (Object item : items) {
                    write(generator, item);
                }
                generator.writeEndArray();
            }
            case Object[] items -> {
                generator.writeStartArray();
                for (Object item : items) {
                    write(generator, item);
                }
                generator.writeEndArray();
            }
            case Enum<?> e -> generator.writeString(e.name());
            default -> generator.writeString(value.toString());
        }
    }

    // ------------------------------------------------------------------ reading typed values

    /** {@code value} as a JSON object, or {@code null} when it is something else. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> asObject(Object value) {
        return value instanceof Map<?, ?> map ? (Map<String, Object>) map : null;
    }

    /** {@code value} as a JSON array, or {@code null} when it is something else. */
    @SuppressWarnings("unchecked")
    public static List<Object> asArray(Object value) {
        return value instanceof List<?> list ? (List<Object>) list : null;
    }

    /** Whether {@code value} is a whole number that fits an {@code int}. */
    public static boolean isInt(Object value) {
        return value instanceof Integer;
    }

    /** Whether {@code value} is a whole number that fits a {@code long}. */
    public static boolean isLong(Object value) {
        return value instanceof Integer || value instanceof Long;
    }

    // ------------------------------------------------------------------ the parser

    private static Object document(JsonParser parser) throws IOException {
        if (parser.nextToken() == null) {
            throw new JsonParseException(parser, "No content to map due to end-of-input");
        }
        Object value = value(parser);
        JsonToken trailing = parser.nextToken();
        if (trailing != null) {
            throw new JsonParseException(parser, "Trailing token (of type " + trailing + ") found after value");
        }
        return value;
    }

    /** The value that starts at the parser's current token. */
    private static Object value(JsonParser parser) throws IOException {
        return switch (parser.currentToken()) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
                    parser.nextToken();
                    map.put(name, value(parser));
                }
                yield map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    list.add(value(parser));
                }
                yield list;
            }
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> parser.getIntValue();
                case LONG -> parser.getLongValue();
                default -> parser.getBigIntegerValue();
            };
            case VALUE_NUMBER_FLOAT -> {
                double d = parser.getDoubleValue();
                if (!Double.isFinite(d)) {
                    throw new JsonParseException(parser, "Number out of range: " + parser.getText());
                }
                yield d;
            }
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new JsonParseException(parser, "Unexpected token " + parser.currentToken());
        };
    }
}
