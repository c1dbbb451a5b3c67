package io.styxy.server.http;

import io.styxy.server.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Login codes and sessions of the browser page, on a clock the test moves. */
class UiSessionsTest {

    final MutableClock clock = new MutableClock();
    final UiSessions sessions = new UiSessions(clock);

    static String granted(UiSessions.Redemption r) {
        assertThat(r).isInstanceOf(UiSessions.Redemption.Granted.class);
        return ((UiSessions.Redemption.Granted) r).id();
    }

    @Test
    void aCodeLogsInOnceAndIsThenAlreadyUsed() {
        String code = sessions.issueCode();
        String id = granted(sessions.redeem(code));
        assertThat(id).isNotEqualTo(code);
        assertThat(sessions.touch(id)).isTrue();
        assertThat(sessions.redeem(code)).isInstanceOf(UiSessions.Redemption.Used.class);
        assertThat(sessions.redeem(code)).isInstanceOf(UiSessions.Redemption.Used.class);
        assertThat(sessions.liveSessions()).isEqualTo(1);
    }

    @Test
    void aCodeExpiresAfterItsMinuteAndStaysExpired() {
        String code = sessions.issueCode();
        clock.advance(UiSessions.CODE_TTL.minusSeconds(1));
        String other = sessions.issueCode();
        clock.advance(Duration.ofSeconds(1));
        assertThat(sessions.redeem(code)).isInstanceOf(UiSessions.Redemption.Expired.class);
        assertThat(sessions.redeem(code)).isInstanceOf(UiSessions.Redemption.Expired.class);
        assertThat(sessions.liveSessions()).isZero();
        granted(sessions.redeem(other));
        clock.advance(UiSessions.USED_MEMORY.plusMinutes(1));
        assertThat(sessions.redeem(code)).isInstanceOf(UiSessions.Redemption.Unknown.class);
    }

    @Test
    void unknownEmptyAndOverlongCodesGiveNoSession() {
        assertThat(sessions.redeem("not-a-code")).isInstanceOf(UiSessions.Redemption.Unknown.class);
        assertThat(sessions.redeem("")).isInstanceOf(UiSessions.Redemption.Unknown.class);
        assertThat(sessions.redeem(null)).isInstanceOf(UiSessions.Redemption.Unknown.class);
        assertThat(sessions.redeem("x".repeat(5000))).isInstanceOf(UiSessions.Redemption.Unknown.class);
        assertThat(sessions.touch("not-a-session")).isFalse();
        assertThat(sessions.touch(null)).isFalse();
        assertThat(sessions.liveSessions()).isZero();
    }

    @Test
    void codesAndSessionIdsAreLongRandomAndUrlSafe() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            String code = sessions.issueCode();
            String id = granted(sessions.redeem(code));
            assertThat(code).matches("[A-Za-z0-9_-]{43}");
            assertThat(id).matches("[A-Za-z0-9_-]{43}");
            assertThat(seen.add(code)).isTrue();
            assertThat(seen.add(id)).isTrue();
        }
    }

    @Test
    void aSessionEndsWhenIdleWhenTooOldAndOnLogout() {
        String idle = granted(sessions.redeem(sessions.issueCode()));
        String busy = granted(sessions.redeem(sessions.issueCode()));
        String leaving = granted(sessions.redeem(sessions.issueCode()));
        sessions.end(leaving);
        assertThat(sessions.touch(leaving)).isFalse();

        // busy is used every hour; idle is not
        for (int h = 0; h < 9; h++) {
            clock.advance(Duration.ofHours(1));
            assertThat(sessions.touch(busy)).isTrue();
        }
        assertThat(sessions.touch(idle)).as("8 h without a request").isFalse();
        for (int h = 9; h < 23; h++) {
            clock.advance(Duration.ofHours(1));
            assertThat(sessions.touch(busy)).isTrue();
        }
        clock.advance(Duration.ofHours(1));
        assertThat(sessions.touch(busy)).as("24 h after login, however busy").isFalse();
        assertThat(sessions.liveSessions()).isZero();
    }

    @Test
    void pendingCodesAndSessionsAreBounded() {
        String first = sessions.issueCode();
        for (int i = 0; i < UiSessions.MAX_CODES * 3; i++) {
            clock.advance(Duration.ofMillis(1));
            sessions.issueCode();
        }
        assertThat(sessions.pendingCodes()).isEqualTo(UiSessions.MAX_CODES);
        assertThat(sessions.redeem(first)).isInstanceOf(UiSessions.Redemption.Unknown.class);

        String oldest = granted(sessions.redeem(sessions.issueCode()));
        for (int i = 0; i < UiSessions.MAX_SESSIONS * 2; i++) {
            clock.advance(Duration.ofMillis(1));
            granted(sessions.redeem(sessions.issueCode()));
        }
        assertThat(sessions.liveSessions()).isEqualTo(UiSessions.MAX_SESSIONS);
        assertThat(sessions.touch(oldest)).isFalse();
    }
}
