package io.styxy.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.remote.http.ClientConfig;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live port map in a real browser: Debian's Chromium, headless, driven through its own chromedriver (Selenium
 * never downloads anything), against the packaged daemon on a temporary home and a port the kernel picks. The page
 * is opened through a one-time login link asked for with the token, changes without a reload as leases, listeners
 * and moves happen, and releases a lease after a confirmation, by mouse and by keyboard. Screenshots are left in
 * {@code target/ui-screenshots/} for review.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LivePortMapIT {

    static final Path CHROMIUM = Path.of(System.getProperty("styxy.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("styxy.chromedriver", "/usr/bin/chromedriver"));
    static final Path SHOTS = Path.of(System.getProperty("styxy.screenshots", "target/ui-screenshots"));
    static final Duration WAIT = Duration.ofSeconds(30);

    static Path tmp;
    static RunningDaemon daemon;
    static ChromeDriverService service;
    static ChromeDriver browser;
    static final List<Process> owners = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        assertThat(CHROMIUM).as("Chromium (Debian package chromium; bin/test installs it)").isExecutable();
        assertThat(CHROMEDRIVER).as("chromedriver (Debian package chromium-driver; bin/test installs it)")
                .isExecutable();
        tmp = Files.createTempDirectory("styxy-ui-it");
        Files.createDirectories(SHOTS);
        try {
            daemon = RunningDaemon.start(tmp.resolve("home"));
            ChromeOptions options = new ChromeOptions();
            LoggingPreferences logs = new LoggingPreferences();
            logs.enable(LogType.BROWSER, Level.ALL);
            options.setCapability("goog:loggingPrefs", logs);
            options.setBinary(CHROMIUM.toFile());
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,900",
                    // Nothing of the browser's own that could compete with the page on a busy machine: no field
                    // trials (on-device model benchmarks among them), extensions, hints or background throttling.
                    "--disable-field-trial-config", "--disable-extensions", "--disable-default-apps",
                    "--disable-features=OptimizationHints,Translate,MediaRouter",
                    "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                    "--disable-backgrounding-occluded-windows", "--disable-hang-monitor", "--disable-breakpad",
                    "--password-store=basic", "--metrics-recording-only",
                    "--user-data-dir=" + Files.createDirectories(tmp.resolve("chromium-profile")));
            service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile())
                    .usingAnyFreePort()
                    .withLogFile(SHOTS.resolve("chromedriver.log").toFile())
                    .build();
            // A stuck browser fails a command within a minute, not Selenium's default three.
            browser = new ChromeDriver(service, options, ClientConfig.defaultConfig()
                    .readTimeout(Duration.ofSeconds(60)));
            browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30))
                    .scriptTimeout(Duration.ofSeconds(10));
        } catch (Exception | AssertionError e) {
            stop();
            throw e;
        }
    }

    /** Quits the browser, stops its driver and the daemon, ends the owner processes: each even if another fails. */
    @AfterAll
    static void stop() throws Exception {
        try {
            if (browser != null) {
                try {
                    List<String> lines = new ArrayList<>();
                    browser.manage().logs().get(LogType.BROWSER).forEach(e -> lines.add(e.toString()));
                    Files.write(SHOTS.resolve("browser-console.log"), lines);
                } catch (RuntimeException e) {
                    Files.writeString(SHOTS.resolve("browser-console.log"), "not read: " + e + "\n");
                }
                browser.quit();
            }
        } finally {
            try {
                if (service != null && service.isRunning()) {
                    service.stop();
                }
            } finally {
                owners.forEach(Process::destroyForcibly);
                if (daemon != null) {
                    daemon.close();
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    static String loginUrl() throws IOException {
        RunningDaemon.Answer a = daemon.call("POST", "/v1/ui/login-links", Map.of());
        assertThat(a.status()).as(a.body().toString()).isEqualTo(201);
        String url = a.body().path("url").asText();
        assertThat(url).startsWith("http://127.0.0.1:" + daemon.port() + "/ui/login?code=")
                .doesNotContain(token());
        return url;
    }

    static String token() throws IOException {
        return Files.readString(daemon.home().resolve("auth.token")).trim();
    }

    static WebDriverWait waiting() {
        return new WebDriverWait(browser, WAIT);
    }

    static WebElement row(String table, String key) {
        return waiting().until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#" + table + " tr[data-key='" + key + "']")));
    }

    static void gone(String table, String key) {
        waiting().until(ExpectedConditions.numberOfElementsToBe(
                By.cssSelector("#" + table + " tr[data-key='" + key + "']"), 0));
    }

    static Process owner() throws IOException {
        Process p = new ProcessBuilder("sleep", "300").start();
        owners.add(p);
        return p;
    }

    static JsonNode lease(String type, String name, Process owner, String project) throws IOException {
        RunningDaemon.Answer a = daemon.call("POST", "/v1/leases", Map.of("service_type", type, "service_name", name,
                "pid", owner.pid(), "project_path", project));
        assertThat(a.status()).as(a.body().toString()).isEqualTo(201);
        return a.body().path("lease");
    }

    /** One line over the Unix socket, as the interposer sends it. */
    static String unixLine(String line) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(daemon.home().resolve("styxy.sock")));
            ch.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(2048);
            StringBuilder out = new StringBuilder();
            while (out.indexOf("\n") < 0 && ch.read(buf) > 0) {
                buf.flip();
                out.append(StandardCharsets.US_ASCII.decode(buf));
                buf.clear();
            }
            return out.toString().strip();
        }
    }

    static int freePortIn(int start, int end) {
        for (int p = start; p <= end; p++) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p));
                return p;
            } catch (IOException busy) {
                // next
            }
        }
        throw new IllegalStateException("no free port in " + start + "-" + end);
    }

    static void screenshot(String name, int width) throws IOException {
        browser.manage().window().setSize(new Dimension(width, 900));
        long height = (Long) ((JavascriptExecutor) browser).executeScript(
                "return Math.ceil(document.documentElement.scrollHeight)");
        browser.manage().window().setSize(new Dimension(width, (int) Math.min(height + 40, 6000)));
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        browser.manage().window().setSize(new Dimension(1280, 900));
    }

    /** Only what a window of this size shows, scrolled to an element when one is named. */
    static void viewport(String name, int width, String scrollTo) throws IOException {
        browser.manage().window().setSize(new Dimension(width, 844));
        if (scrollTo != null) {
            ((JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block: 'start'})",
                    browser.findElement(By.id(scrollTo)));
        }
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        ((JavascriptExecutor) browser).executeScript("window.scrollTo(0, 0)");
        browser.manage().window().setSize(new Dimension(1280, 900));
    }

    /**
     * Landmarks, a name for every control, and text contrast: every visible text node's colour against the first
     * opaque background behind it, at least 4.5:1 (WCAG 2 AA for body text).
     */
    @SuppressWarnings("unchecked")
    static void assertAccessible() {
        JavascriptExecutor js = (JavascriptExecutor) browser;
        assertThat((Long) js.executeScript("return document.querySelectorAll('body > header, body > main,"
                + " body > footer, header nav[aria-label]').length")).isEqualTo(4L);
        assertThat((List<String>) js.executeScript("""
                return [...document.querySelectorAll('button, a[href], input, select, textarea')]
                  .filter(e => e.offsetParent !== null || e.closest('dialog'))
                  .filter(e => !(e.getAttribute('aria-label') || e.textContent).trim())
                  .map(e => e.outerHTML);""")).as("controls without a name").isEmpty();
        js.executeScript("""
                const probe = document.createElement('p');
                probe.id = 'contrast-probe';
                probe.textContent = 'pale probe text';
                probe.style.color = '#aaaaaa';
                document.querySelector('main').append(probe);""");
        assertThat(lowContrast()).as("the check finds pale text").anyMatch(s -> s.contains("pale probe text"));
        js.executeScript("document.getElementById('contrast-probe').remove()");
        assertThat(lowContrast()).as("text under 4.5:1").isEmpty();
    }

    @SuppressWarnings("unchecked")
    static List<String> lowContrast() {
        return (List<String>) ((JavascriptExecutor) browser).executeScript("""
                const parse = c => { const m = c.match(/[\\d.]+/g).map(Number);
                                     return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 }; };
                const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92
                                                   : Math.pow((v + 0.055) / 1.055, 2.4); };
                                   return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
                const background = e => { for (let n = e; n; n = n.parentElement) {
                                            const c = parse(getComputedStyle(n).backgroundColor);
                                            if (c.a === 1) return c; }
                                          return { r: 255, g: 255, b: 255, a: 1 }; };
                const out = [];
                const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                for (let t = walker.nextNode(); t; t = walker.nextNode()) {
                  const e = t.parentElement;
                  if (!t.textContent.trim() || !e || e.closest('.visually-hidden') || e.offsetParent === null) continue;
                  if (e.closest('dialog') && !e.closest('dialog').open) continue;
                  const fg = parse(getComputedStyle(e).color);
                  const l1 = lum(fg), l2 = lum(background(e));
                  const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
                  if (ratio < 4.5) out.push(ratio.toFixed(2) + ' ' + e.tagName + '.' + e.className + ': '
                                            + t.textContent.trim().slice(0, 40));
                }
                return out;""");
    }

    static String activeId() {
        return browser.switchTo().activeElement().getAttribute("id");
    }

    // ------------------------------------------------------------------ the tests

    @Test
    @Order(1)
    void theLoginLinkOpensTheLivePageWhichFollowsLeasesListenersAndMovesAndReleasesAfterAConfirmation()
            throws Exception {
        String url = loginUrl();
        browser.get(url);
        waiting().until(ExpectedConditions.attributeToBe(By.id("connection"), "data-state", "live"));
        assertThat(browser.getCurrentUrl()).isEqualTo("http://127.0.0.1:" + daemon.port() + "/ui/");
        assertThat(browser.getTitle()).contains("Styxy");
        String token = token();
        assertThat(browser.getPageSource()).doesNotContain(token);
        assertThat(((JavascriptExecutor) browser).executeScript("return document.cookie")).isEqualTo("");
        Cookie cookie = browser.manage().getCookieNamed("styxy_session_" + daemon.port());
        assertThat(cookie).isNotNull();
        assertThat(cookie.isHttpOnly()).isTrue();
        assertThat(cookie.getSameSite()).isEqualTo("Strict");
        assertThat(cookie.getPath()).isEqualTo("/");
        assertThat(cookie.getValue()).isNotEqualTo(token);
        // The stream can go live before the first overview is drawn: wait for the strips, then count them.
        waiting().until(d -> d.findElements(By.cssSelector("#ranges .range")).size() > 10);
        assertThat(browser.findElements(By.cssSelector("#ranges .range"))).hasSizeGreaterThan(10);

        // Leases made through the API appear without a reload, with their owner's command line.
        Process webOwner = owner();
        JsonNode web = lease("dev", "web", webOwner, "/work/shop");
        Process workerOwner = owner();
        JsonNode worker = lease("api", "worker", workerOwner, "/work/shop/backend");
        String webId = web.path("lock_id").asText();
        String workerId = worker.path("lock_id").asText();
        WebElement webRow = row("leases", webId);
        assertThat(webRow.getText()).contains(web.path("port").asText()).contains("dev").contains("web")
                .contains("shop").contains("pid " + webOwner.pid());
        waiting().until(d -> row("leases", webId).getText().contains("sleep 300"));
        row("leases", workerId);
        WebElement devStrip = browser.findElement(By.cssSelector("#ranges .range[data-type='dev'] .strip"));
        waiting().until(d -> devStrip.getAttribute("aria-label").contains("1 leased (" + web.path("port").asText()
                + ")"));
        assertThat(browser.findElement(By.cssSelector("#ranges .range[data-type='dev'] .strip .cell.leased"))
                .getAttribute("title")).isEqualTo(web.path("port").asText() + ": leased (dev · web)");

        // A socket Styxy did not lease shows up as a foreign listener, in its range's strip too.
        int foreignPort = freePortIn(3100, 3199);
        try (ServerSocket foreign = new ServerSocket()) {
            foreign.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), foreignPort));
            waiting().until(d -> !d.findElements(By.xpath("//table[@id='listeners']//td[contains(@class,'port')"
                    + " and normalize-space()='" + foreignPort + "']")).isEmpty());
            WebElement monitoring = browser.findElement(By.cssSelector(
                    "#ranges .range[data-type='monitoring'] .strip"));
            // (other processes of this machine may listen in that range too)
            java.util.regex.Pattern listed = java.util.regex.Pattern.compile(
                    "\\d+ foreign listeners? \\([^)]*\\b" + foreignPort + "\\b");
            waiting().until(d -> listed.matcher(monitoring.getAttribute("aria-label")).find());

            // A server moved by the interposer appears in the feed.
            String answer = unixLine("REASSIGN pid=" + webOwner.pid() + " port=" + web.path("port").asInt()
                    + " proto=tcp");
            assertThat(answer).startsWith("OK port=");
            String given = answer.substring("OK port=".length(), answer.indexOf(' ', "OK port=".length()));
            WebElement move = waiting().until(ExpectedConditions.visibilityOfElementLocated(
                    By.cssSelector("#moves li")));
            assertThat(move.getText()).contains("sleep (pid " + webOwner.pid() + ") asked for "
                    + web.path("port").asText() + ", got " + given);
            waiting().until(d -> d.findElements(By.cssSelector("#leases tbody tr")).size() == 3);

            assertAccessible();
            screenshot("live-port-map.png", 1280);
            screenshot("live-port-map-narrow.png", 390);
            viewport("live-port-map-narrow-top.png", 390, null);
            viewport("live-port-map-narrow-leases.png", 390, "leases-heading");
        }

        // Release by mouse: the button opens a confirmation, which releases.
        row("leases", webId).findElement(By.cssSelector("button.release")).click();
        WebElement dialog = browser.findElement(By.id("confirm"));
        waiting().until(d -> dialog.getAttribute("open") != null);
        assertThat(dialog.getText()).contains("Release port " + web.path("port").asText() + "?");
        assertThat(activeId()).as("the safe choice has the focus").isEqualTo("confirm-cancel");
        screenshot("confirm-release.png", 1280);
        browser.findElement(By.id("confirm-release")).click();
        gone("leases", webId);
        assertThat(daemon.call("GET", "/v1/leases/" + webId, null).status()).isEqualTo(404);

        // By keyboard: Enter opens the confirmation, Escape cancels it, Tab and Enter release.
        WebElement release = row("leases", workerId).findElement(By.cssSelector("button.release"));
        assertThat(release.getAttribute("aria-label")).isEqualTo("Release port " + worker.path("port").asText()
                + " (api · worker)");
        release.sendKeys(Keys.ENTER);
        waiting().until(d -> dialog.getAttribute("open") != null);
        browser.switchTo().activeElement().sendKeys(Keys.ESCAPE);
        waiting().until(d -> dialog.getAttribute("open") == null);
        assertThat(browser.switchTo().activeElement()).as("focus back on the button").isEqualTo(release);
        assertThat(daemon.call("GET", "/v1/leases/" + workerId, null).status()).isEqualTo(200);

        release.sendKeys(Keys.ENTER);
        waiting().until(d -> dialog.getAttribute("open") != null);
        browser.switchTo().activeElement().sendKeys(Keys.TAB);
        assertThat(activeId()).isEqualTo("confirm-release");
        assertThat(((JavascriptExecutor) browser).executeScript(
                "const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth"))
                .as("the keyboard focus is visible").isEqualTo("solid 3px");
        browser.switchTo().activeElement().sendKeys(Keys.ENTER);
        gone("leases", workerId);
        assertThat(daemon.call("GET", "/v1/leases/" + workerId, null).status()).isEqualTo(404);
        WebElement announcer = browser.findElement(By.id("announcer"));
        waiting().until(d -> announcer.getDomProperty("textContent").equals("Released port "
                + worker.path("port").asText() + "."));

        // A lease released elsewhere disappears too.
        JsonNode other = lease("storybook", "docs", owner(), "/work/ui-kit");
        row("leases", other.path("lock_id").asText());
        assertThat(daemon.call("DELETE", "/v1/leases/" + other.path("lock_id").asText(), null).status())
                .isEqualTo(200);
        gone("leases", other.path("lock_id").asText());
    }

    @Test
    @Order(2)
    void aBurstOfHundredsOfListenersComingAndGoingLeavesThePageResponsive() throws Exception {
        browser.get(loginUrl());
        waiting().until(ExpectedConditions.attributeToBe(By.id("connection"), "data-state", "live"));
        waiting().until(d -> d.findElements(By.cssSelector("#ranges .range")).size() > 10);
        int before = listenerCount();
        List<ServerSocket> burst = new ArrayList<>();
        try {
            for (int i = 0; i < 400; i++) {
                ServerSocket s = new ServerSocket();
                burst.add(s);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            }
            waiting().until(d -> listenerCount() >= before + 400);
            assertThat(browser.findElements(By.cssSelector("#listeners tbody tr"))).as("the table is capped")
                    .hasSize(200);
            assertThat(browser.findElement(By.id("listeners-more")).getText()).startsWith(
                    "Showing the first 200 of ");
        } finally {
            for (ServerSocket s : burst) {
                s.close();
            }
        }
        waiting().until(d -> listenerCount() < before + 20);
        JsonNode lease = lease("dev", "after-burst", owner(), "/work/burst");
        row("leases", lease.path("lock_id").asText());
        assertThat(daemon.call("DELETE", "/v1/leases/" + lease.path("lock_id").asText(), null).status())
                .isEqualTo(200);
        gone("leases", lease.path("lock_id").asText());
    }

    static int listenerCount() {
        String text = browser.findElement(By.id("listener-count")).getText(); // "(12)"
        return text.length() < 3 ? 0 : Integer.parseInt(text.substring(1, text.length() - 1));
    }

    @Test
    @Order(3)
    void aUsedLinkAndAMissingSessionGetClearPagesAndLogOutEndsTheSession() throws Exception {
        String url = loginUrl();
        browser.get(url);
        waiting().until(ExpectedConditions.attributeToBe(By.id("connection"), "data-state", "live"));
        browser.get(url);
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo(
                "This login link has already been used.");
        assertThat(browser.getPageSource()).contains("styxy ui");

        browser.get("http://127.0.0.1:" + daemon.port() + "/ui/");
        waiting().until(ExpectedConditions.attributeToBe(By.id("connection"), "data-state", "live"));
        browser.findElement(By.id("logout")).click();
        waiting().until(ExpectedConditions.textToBe(By.tagName("h1"), "Log in with styxy ui"));
        assertThat(browser.manage().getCookieNamed("styxy_session_" + daemon.port())).isNull();

        browser.manage().deleteAllCookies();
        browser.get("http://127.0.0.1:" + daemon.port() + "/ui/");
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Log in with styxy ui");
        assertThat(browser.getPageSource()).doesNotContain(token());
    }
}
