package io.styxy.server.unix;

import io.styxy.api.AddressFamily;
import io.styxy.api.Listener;
import io.styxy.api.Protocol;
import io.styxy.server.engine.Engine;
import io.styxy.server.engine.Lease;
import io.styxy.server.testing.EngineFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The line protocol, one line at a time, against the real engine with fakes at its edges. */
class LineProtocolTest {

    private EngineFixture fx;
    private Engine engine;
    private LineProtocol protocol;
    private final List<String> counted = new ArrayList<>();

    @BeforeEach
    void setUp() {
        fx = new EngineFixture();
        engine = fx.engine();
        protocol = new LineProtocol(engine, (verb, result) -> counted.add(verb + ":" + result));
    }

    static Map<String, String> fields(String answer) {
        Map<String, String> map = new java.util.HashMap<>();
        for (String token : answer.split(" ")) {
            int eq = token.indexOf('=');
            if (eq > 0) {
                map.put(token.substring(0, eq), token.substring(eq + 1));
            }
        }
        return map;
    }

    @Test
    void ping() {
        assertThat(protocol.answer("PING")).isEqualTo("OK pong version=1");
        assertThat(protocol.answer("ping\r")).isEqualTo("OK pong version=1");
        assertThat(counted).containsExactly("ping:ok", "ping:ok");
    }

    @Test
    void wordsAreSplitAtRunsOfSpacesAndAnEmptyLineIsRefused() {
        assertThat(protocol.answer("   PING   ")).isEqualTo("OK pong version=1");
        assertThat(protocol.answer("CHECK    port=3000  ")).isEqualTo("OK port=3000 available=true");
        assertThat(LineProtocol.tokens(" a  b=c   d ")).containsExactly("a", "b=c", "d");
        assertThat(LineProtocol.tokens("")).isEmpty();
        assertThat(protocol.answer("    ")).startsWith("ERR code=BAD_REQUEST empty line");
        assertThat(protocol.answer("")).startsWith("ERR code=BAD_REQUEST empty line");
    }

    @Test
    void reassignLeasesAPortOfTheSameTypeToThePid() {
        fx.processes.start(777, 12345, "uvicorn main:app --port 8000");
        String answer = protocol.answer("REASSIGN pid=777 port=8000 proto=tcp");
        assertThat(answer).startsWith("OK ");
        Map<String, String> f = fields(answer);
        int given = Integer.parseInt(f.get("port"));
        assertThat(given).isBetween(8001, 8099);
        assertThat(f.get("type")).isEqualTo("api");
        Lease lease = engine.lease(f.get("lock")).orElseThrow();
        assertThat(lease.owner().pid()).isEqualTo(777);
        assertThat(lease.owner().startTime()).isEqualTo(12345);
        assertThat(lease.origin()).isEqualTo(Lease.Origin.REASSIGNMENT);
        assertThat(engine.reassignments(8000)).hasSize(1);

        String retry = protocol.answer("REASSIGN pid=777 port=8000 proto=tcp failed=" + given);
        int second = Integer.parseInt(fields(retry).get("port"));
        assertThat(second).isNotEqualTo(given).isNotEqualTo(8000);
        assertThat(engine.leaseOnPort(given)).isEmpty();
    }

    @Test
    void allocateReleaseAndCheck() {
        fx.processes.start(900);
        String a = protocol.answer("ALLOCATE type=dev pid=900 name=web project=/work/app port=3010");
        Map<String, String> f = fields(a);
        assertThat(f.get("port")).isEqualTo("3010");
        assertThat(f.get("type")).isEqualTo("dev");
        Lease lease = engine.lease(f.get("lock")).orElseThrow();
        assertThat(lease.serviceName()).isEqualTo("web");
        assertThat(lease.projectPath()).isEqualTo("/work/app");

        String check = protocol.answer("CHECK port=3010");
        assertThat(check).startsWith("OK port=3010 available=false holder=lease pid=900");
        assertThat(protocol.answer("RELEASE lock=" + f.get("lock"))).isEqualTo("OK port=3010");
        assertThat(protocol.answer("CHECK port=3010")).isEqualTo("OK port=3010 available=true");

        fx.listeners.put(4444, List.of(new Listener(Protocol.TCP, AddressFamily.IPV6, "::", 4444, 31, "java",
                "java -jar x.jar", "/", "0", 1)));
        assertThat(protocol.answer("CHECK port=4444")).isEqualTo("OK port=4444 available=false holder=listener pid=31");

        String single = protocol.answer("ALLOCATE type=ai");
        assertThat(protocol.answer("ALLOCATE type=ai")).endsWith("existing=true")
                .contains("lock=" + fields(single).get("lock"));
    }

    @Test
    void unknownKeysAreIgnored() {
        assertThat(protocol.answer("PING future=1 more=2")).isEqualTo("OK pong version=1");
        assertThat(protocol.answer("CHECK port=3000 extra=yes")).startsWith("OK port=3000");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|BAD_REQUEST",
            "'   '|BAD_REQUEST",
            "FROB x=1|UNKNOWN_VERB",
            "REASSIGN|BAD_REQUEST",
            "REASSIGN pid=1|BAD_REQUEST",
            "REASSIGN pid=abc port=8000|BAD_REQUEST",
            "REASSIGN pid=-1 port=8000|BAD_REQUEST",
            "REASSIGN pid=99999 port=8000 proto=tcp|BAD_REQUEST",
            "REASSIGN pid=1 port=70000|BAD_REQUEST",
            "REASSIGN pid=1 port=8000 proto=sctp|BAD_REQUEST",
            "ALLOCATE|BAD_REQUEST",
            "ALLOCATE type=bad!name|BAD_REQUEST",
            "ALLOCATE type=dev port=80|BAD_REQUEST",
            "ALLOCATE type=dev pid=424242|BAD_REQUEST",
            "RELEASE|BAD_REQUEST",
            "RELEASE lock=nope|BAD_REQUEST",
            "RELEASE lock=0b6f7c1e-5d0e-4c3a-9f6e-2d7f1b8a9c10|NOT_FOUND",
            "CHECK|BAD_REQUEST",
            "CHECK port=|BAD_REQUEST",
            "CHECK port=0|BAD_REQUEST",
            "CHECK 3000|BAD_REQUEST",
            "CHECK =3000|BAD_REQUEST",
    })
    void badLinesAnswerErrWithAStableCode(String line, String code) {
        String answer = protocol.answer(line);
        assertThat(answer).startsWith("ERR code=" + code + " ");
        assertThat(answer.length()).isGreaterThan(("ERR code=" + code + " ").length());
        assertThat(answer).doesNotContain("\n");
    }

    @Test
    void engineRefusalsMapToProtocolCodes() {
        for (int p = 6006; p <= 6029; p++) {
            fx.probe.busy(p);
        }
        assertThat(protocol.answer("ALLOCATE type=storybook")).startsWith("ERR code=EXHAUSTED ");
        fx.store.refuseWrites(true);
        assertThat(protocol.answer("ALLOCATE type=dev")).startsWith("ERR code=UNAVAILABLE ");
        assertThat(engine.leaseCount()).isZero();
    }

    @Test
    void aReadOnlyHomeAnswersStateReadOnlyToEveryChangeAndStillChecks() {
        fx.processes.start(777, 12345, "uvicorn main:app --port 8000");
        String lock = fields(protocol.answer("ALLOCATE type=dev")).get("lock");
        fx.store.readOnly("STYXY_HOME /x is read-only (read-only file system): remount it read-write or point"
                + " STYXY_HOME at a writable directory, then restart the daemon");
        for (String line : List.of("ALLOCATE type=dev", "RELEASE lock=" + lock, "REASSIGN pid=777 port=8000")) {
            assertThat(protocol.answer(line)).as(line).startsWith("ERR code=STATE_READ_ONLY STYXY_HOME /x is"
                    + " read-only").endsWith("then restart the daemon");
        }
        assertThat(protocol.answer("CHECK port=3000")).startsWith("OK port=3000 available=false holder=lease");
        assertThat(protocol.answer("PING")).startsWith("OK pong");
        assertThat(engine.leases()).extracting(Lease::lockId).containsExactly(lock);
        assertThat(counted).contains("allocate:STATE_READ_ONLY", "release:STATE_READ_ONLY",
                "reassign:STATE_READ_ONLY");
    }

    @Test
    void messagesStayOnOneLine() {
        String answer = protocol.answer("FROB\u0001\u0007 x=1");
        assertThat(answer).startsWith("ERR code=UNKNOWN_VERB").doesNotContain("\u0001").doesNotContain("\n");
    }
}
