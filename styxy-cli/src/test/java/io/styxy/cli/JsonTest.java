package io.styxy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parsesEveryKindOfValue() {
        Object v = Json.parse(" {\"a\": [1, -2.5, 1e3, true, false, null, \"x\\n\\u00e9\\\"\"], \"b\": {}} ");
        Map<String, Object> m = Json.obj(v);
        assertThat(Json.list(m.get("a"))).containsExactly(1L, -2.5, 1000.0, true, false, null, "x\né\"");
        assertThat(Json.obj(m.get("b"))).isEmpty();
    }

    @Test
    void keepsMemberOrderAndRoundTrips() {
        String text = "{\"z\":1,\"a\":[\"q\",{\"k\":null}],\"m\":\"tab\\there\"}";
        assertThat(Json.write(Json.parse(text))).isEqualTo(text);
        assertThat(Json.parse(Json.pretty(Json.parse(text)))).isEqualTo(Json.parse(text));
    }

    @Test
    void bigIntegersBecomeDoubles() {
        assertThat(Json.parse("12345678901234567890")).isInstanceOf(Double.class);
        assertThat(Json.parse("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"\t\"", "{} x", "{'a':1}",
        "\"\\x\"", "[1 2]", "{\"a\" 1}", "nul", "\"abc"})
    void refusesWhatIsNotJson(String text) {
        assertThatThrownBy(() -> Json.parse(text)).isInstanceOf(Json.JsonException.class);
    }

    @Test
    void writesControlCharactersEscaped() {
        assertThat(Json.write(List.of("a\u0001b"))).isEqualTo("[\"a\\u0001b\"]");
        assertThat(Json.write(Json.of("n", 3.0, "d", 2.5, "skip", null))).isEqualTo("{\"n\":3,\"d\":2.5}");
    }
}
