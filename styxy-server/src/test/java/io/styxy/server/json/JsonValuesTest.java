package io.styxy.server.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The daemon's JSON against Jackson's data binding, which it replaced: the same bytes out for the same values, the
 * same values in for the same documents, and the same refusals. One difference is on purpose: a character beyond
 * the 16-bit range (🚀) is written as its UTF-8 bytes, as the original's {@code JSON.stringify} wrote it, not as
 * two escapes.
 */
class JsonValuesTest {

    private static final ObjectMapper DATABIND = JsonMapper.builder()
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .build();

    private static Map<String, Object> sample() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("emoji", "🚀 rocket");
        inner.put("quotes", "say \"hi\"\\ \t\n\u0001 é ß 日本");
        inner.put("none", null);
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("port", 3000);
        map.put("pid", 4_194_304L);
        map.put("big", new BigInteger("123456789012345678901234567890"));
        map.put("ratio", 0.25);
        map.put("huge", 1.0e20);
        map.put("tiny", -4.9e-324);
        map.put("float", 1.5f);
        map.put("decimal", new BigDecimal("12.500"));
        map.put("short", (short) 7);
        map.put("flag", true);
        map.put("list", List.of(1, "two", false, List.of(), Map.of()));
        map.put("array", new Object[] {"a", 2});
        map.put("inner", inner);
        return map;
    }

    @Test
    void writesWhatDataBindingWrote() throws Exception {
        Map<String, Object> value = sample();
        assertThat(new String(JsonValues.bytes(value), StandardCharsets.UTF_8))
                .isEqualTo(new String(DATABIND.writeValueAsBytes(value), StandardCharsets.UTF_8));
        assertThat(JsonValues.text(value)).isEqualTo(DATABIND.writeValueAsString(value));
        assertThat(JsonValues.prettyText(value)).isEqualTo(DATABIND.writerWithDefaultPrettyPrinter()
                .writeValueAsString(value));
    }

    @Test
    void anEmojiIsWrittenAsItsOwnFourBytes() {
        assertThat(JsonValues.bytes("🚀")).containsExactly('"', 0xF0, 0x9F, 0x9A, 0x80, '"');
    }

    @Test
    void anEnumIsItsNameAndOtherValuesTheirText() {
        assertThat(JsonValues.text(List.of(Thread.State.RUNNABLE, Instant.EPOCH, Path.of("/tmp/x"))))
                .isEqualTo("[\"RUNNABLE\",\"1970-01-01T00:00:00Z\",\"/tmp/x\"]");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"service_type\":\"dev\",\"port\":3000,\"x\":[1,2.5,true,null,{}]}",
            "{\"a\":1,\"b\":2,\"a\":3}",
            "[2147483647,2147483648,9223372036854775807,9223372036854775808,-2147483648,-2147483649]",
            "[0.1,1e10,-0.0,1E-7,123456789.125]",
            "\"just text\"",
            "17",
            "null",
            "  {\"nested\": {\"deeper\": [[[\"x\"]]]}}  ",
            "{\"text\":\"\\u00e9\\ud83d\\ude80\\n\"}"
    })
    void readsWhatDataBindingRead(String document) throws Exception {
        Object expected = DATABIND.readValue(document, Object.class);
        assertThat(JsonValues.parse(document)).isEqualTo(expected);
        assertThat(JsonValues.parse(document.getBytes(StandardCharsets.UTF_8))).isEqualTo(expected);
    }

    @Test
    void wholeNumbersTakeTheSmallestTypeThatHoldsThem() throws Exception {
        List<Object> numbers = JsonValues.asArray(JsonValues.parse("[1,5000000000,99999999999999999999,1.5]"));
        assertThat(numbers).extracting(Object::getClass).map(Class::getSimpleName)
                .containsExactly("Integer", "Long", "BigInteger", "Double");
        assertThat(JsonValues.isInt(numbers.get(0))).isTrue();
        assertThat(JsonValues.isInt(numbers.get(1))).isFalse();
        assertThat(JsonValues.isLong(numbers.get(1))).isTrue();
        assertThat(JsonValues.isLong(numbers.get(2))).isFalse();
    }

    @Test
    void keysKeepTheirOrderAndTheLastOfARepeatedKeyWins() throws Exception {
        Map<String, Object> map = JsonValues.asObject(JsonValues.parse("{\"z\":1,\"a\":2,\"z\":3}"));
        assertThat(new ArrayList<>(map.keySet())).containsExactly("z", "a");
        assertThat(map.get("z")).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "   ", "{", "{\"a\":}", "{\"a\":1}{}", "{\"a\":1} x", "[1,]", "{'a':1}", "NaN", "[Infinity]",
            "[1e999]", "{\"a\":01}", "\"unterminated", "{\"a\" 1}", "tru"
    })
    void refusesWhatIsNotOneJsonDocument(String document) {
        assertThatThrownBy(() -> JsonValues.parse(document)).isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> JsonValues.parse(document.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(JsonProcessingException.class);
    }

    @Test
    void refusesHostileSizesWithAMessageThatSaysWhy() {
        String deep = "[".repeat(33) + "]".repeat(33);
        assertThatThrownBy(() -> JsonValues.parse(deep)).isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("nesting depth");
        assertThat(catchParse("[".repeat(32) + "]".repeat(32))).isNull();
        String longString = "\"" + "x".repeat(64 * 1024 + 1) + "\"";
        assertThatThrownBy(() -> JsonValues.parse(longString)).isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("String value length");
        String longNumber = "1" + "0".repeat(40);
        assertThatThrownBy(() -> JsonValues.parse(longNumber)).isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("Number value length");
        assertThatThrownBy(() -> JsonValues.parse("{} []")).isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("Trailing token");
    }

    @Test
    void asObjectAndAsArrayTellContainersApart() throws Exception {
        Object object = JsonValues.parse("{\"a\":[1]}");
        assertThat(JsonValues.asObject(object)).containsKey("a");
        assertThat(JsonValues.asArray(object)).isNull();
        assertThat(JsonValues.asArray(JsonValues.asObject(object).get("a"))).containsExactly(1);
        assertThat(JsonValues.asObject("text")).isNull();
        assertThat(JsonValues.asObject(null)).isNull();
    }

    private static Exception catchParse(String document) {
        try {
            JsonValues.parse(document);
            return null;
        } catch (Exception e) {
            return e;
        }
    }
}
