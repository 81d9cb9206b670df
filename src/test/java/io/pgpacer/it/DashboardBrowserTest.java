package io.pgpacer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.agent.EventFeed;
import io.pgpacer.api.HttpApi;
import io.pgpacer.api.security.AccessPolicy;
import io.pgpacer.api.security.ApiSecurity;
import io.pgpacer.api.security.ApiToken;
import io.pgpacer.config.ApiConfig.ClientAuth;
import io.pgpacer.config.ConfigLoader;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.os.FreePorts;
import io.pgpacer.testkit.ClusterHarness;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.WitnessOverOneMemberStore;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The web dashboard in a real browser (Debian's headless chromium, driven through chromedriver) against a real 3-node
 * cluster on loopback whose API needs a token for commands. Given the page open on the primary's agent, it shows the
 * primary and, without the token, offers no command; when the primary's postmaster is killed, the same page (never
 * reloaded) shows the new primary; with the token typed in, its cleanup button clears the old primary's fail-count
 * and its switchover button moves the primary back. The screenshot lands in target/dashboard.png (docs/dashboard.png
 * is a copy of one); those of the steps before it beside it. And a page on a real agent of a cluster without a
 * primary, whose reads need the token: it asks for the token first, then shows the no-primary banner.
 */
class DashboardBrowserTest {

    private static final String TOKEN = "ZGFzaGJvYXJkLWJyb3dzZXItdGVzdC10b2tlbg";
    private static final Duration BOOTSTRAP = Duration.ofSeconds(120);
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    // The page polls every second; this allows for a loaded machine, never for a missing update.
    private static final Duration PAGE_UPDATE = Duration.ofSeconds(20);
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    Path dir;

    @Test
    void showsTheNewPrimaryAfterAFailoverWithoutAReloadAndRunsCommandsWithTheToken() throws Exception {
        Path token = Files.writeString(dir.resolve("api-token"), TOKEN + "\n");
        try (ClusterHarness cluster = ClusterHarness.start("dashboard", 3, "api: {token-file: " + token + "}\n"
                + "timings: {bootstrap-wait: 20s}\n")) {
            try {
                exercise(cluster);
            } catch (AssertionError | RuntimeException e) {
                cluster.keepData();
                System.err.println(cluster.logTails());
                throw e;
            }
        }
    }

    @Test
    void withoutAPrimaryTheBannerSaysSoAndReadsWaitForTheTokenWhenTheyNeedIt() throws Exception {
        // A real agent and store whose only data node never started: a cluster without a primary, in seconds.
        try (WitnessOverOneMemberStore witness = WitnessOverOneMemberStore.start(dir, "no-primary",
                Map.of("n1", "127.0.0.2"))) {
            int port = FreePorts.next();
            try (HttpApi api = new HttpApi("w1", new InetSocketAddress("127.0.0.1", port), witness.store(),
                    witness.agent(), new EventFeed(), new ApiSecurity(new AccessPolicy(ApiToken.of(TOKEN, "test"),
                            true, false), null, ClientAuth.NONE))) {
                api.start();
                WebDriver browser = chromium();
                try {
                    browser.get("http://127.0.0.1:" + port + "/dashboard");
                    Page page = new Page(browser);
                    page.await("the page to ask for the token before it shows anything", () -> page.text("access"),
                            t -> t.startsWith("This agent needs the API token even for reads"));
                    assertEquals("–", page.text("primary"), "nothing is shown without the token");
                    browser.findElement(By.id("token")).sendKeys(TOKEN);
                    browser.findElement(By.id("token-use")).click();
                    page.await("the no-primary banner", () -> page.text("alarm"), t -> t.startsWith("NO PRIMARY"));
                    assertEquals("none", page.text("primary"));
                    page.await("both nodes listed", () -> browser.findElements(By.cssSelector("#nodes tbody tr"))
                            .size(), n -> n == 2);
                    assertTrue(page.text("access").startsWith("Commands enabled"), page.text("access"));
                    assertFalse(browser.findElement(By.id("switchover")).isEnabled(),
                            "no switchover without a primary");
                    screenshot(browser, "dashboard-no-primary.png");
                } catch (AssertionError | RuntimeException e) {
                    screenshot(browser, "dashboard-no-primary-failure.png");
                    throw e;
                } finally {
                    browser.quit();
                }
            }
        }
    }

    private void exercise(ClusterHarness cluster) throws Exception {
        long started = System.nanoTime();
        ClusterStatus healthy = cluster.awaitHealthy(BOOTSTRAP);
        String primary = ClusterHarness.primary(healthy);
        System.out.printf("dashboard: cluster healthy after %d ms%n", (System.nanoTime() - started) / 1_000_000);
        WebDriver browser = chromium();
        try {
            long opened = System.nanoTime();
            browser.get("http://127.0.0.1:" + apiPort(cluster, primary) + "/dashboard");
            Page page = new Page(browser);
            page.await("the primary " + primary, () -> page.text("primary"), primary::equals);
            System.out.printf("dashboard: the primary shown %d ms after the page was opened%n",
                    (System.nanoTime() - opened) / 1_000_000);
            page.await(primary + "'s row marked as the leader", () -> page.row(primary).getAttribute("data-role"),
                    "leader"::equals);
            assertEquals(3, browser.findElements(By.cssSelector("#nodes tbody tr")).size(), page.rows());
            page.await("the page to say commands need the token", () -> page.text("access"),
                    t -> t.startsWith("Read-only: authentication required"));
            assertTrue(page.commandButtons().stream().noneMatch(WebElement::isEnabled),
                    "without the token no command button is enabled");
            ((JavascriptExecutor) browser).executeScript("window.pgpacerNotReloaded = true;");

            // When the primary's postmaster dies, the page on the same agent shows the promoted standby by itself.
            long postmaster = ClusterHarness.node(healthy, primary).postmasterPid();
            long killedAt = System.nanoTime();
            assertTrue(ProcessHandle.of(postmaster).map(ProcessHandle::destroyForcibly).orElse(false),
                    "kill -9 of " + primary + "'s postmaster " + postmaster);
            String promoted = page.await("a new primary other than " + primary, () -> page.text("primary"),
                    t -> !t.equals(primary) && healthy.slaves().contains(t));
            System.out.printf("dashboard: new primary %s shown %d ms after the kill of %s's postmaster%n", promoted,
                    (System.nanoTime() - killedAt) / 1_000_000, primary);
            assertEquals(Boolean.TRUE, ((JavascriptExecutor) browser).executeScript("return window.pgpacerNotReloaded"),
                    "the page was not reloaded");
            page.await("the history row of the failover", () -> page.text("history"),
                    t -> t.contains("1 → 2") && t.contains(promoted) && t.contains("failover"));
            ClusterStatus rejoined = cluster.awaitStatus("every standby, " + primary + " included, streaming from "
                    + promoted, CONVERGE, s -> ClusterHarness.healthy(s) && promoted.equals(ClusterHarness.primary(s)));
            page.await(primary + "'s fail-count of " + ClusterHarness.node(rejoined, primary).failCount() + " shown",
                    () -> page.row(primary).findElement(By.className("fail-count")).getText(), "1"::equals);

            // With the token: clean up the old primary's fail-count, then switch over back to it.
            browser.findElement(By.id("token")).sendKeys(TOKEN);
            browser.findElement(By.id("token-use")).click();
            page.await("the token to be accepted", () -> page.text("access"), t -> t.startsWith("Commands enabled"));
            assertFalse(browser.getPageSource().contains(TOKEN), "the token is nowhere in the page");
            page.row(primary).findElement(By.cssSelector("button.command")).click();
            page.await("the cleanup to be done", () -> page.text("command-result"),
                    t -> t.startsWith("cleanup of " + primary + ": done"));
            page.await(primary + "'s fail-count 0", () -> page.row(primary).findElement(By.className("fail-count"))
                    .getText(), "0"::equals);
            page.await(primary + " offered as a switchover target", () -> page.text("switchover-target"),
                    t -> t.contains(primary));
            screenshot(browser, "dashboard-after-failover.png");

            new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("switchover-target")))
                    .selectByValue(primary);
            long switchedAt = System.nanoTime();
            browser.findElement(By.id("switchover")).click();
            browser.switchTo().alert().accept();
            page.await(primary + " primary again after the switchover", () -> page.text("primary"), primary::equals);
            System.out.printf("dashboard: switchover back to %s shown %d ms after the click%n", primary,
                    (System.nanoTime() - switchedAt) / 1_000_000);
            page.await("the switchover's timing", () -> page.text("timings"),
                    t -> t.contains("switchover " + promoted + " → " + primary));
            cluster.awaitStatus("every standby streaming from " + primary, CONVERGE,
                    s -> ClusterHarness.healthy(s) && primary.equals(ClusterHarness.primary(s)));
            page.await("both standbys streaming from " + primary, () -> page.text("nodes"),
                    t -> t.split("STANDBY \\(streaming\\)", -1).length == 3);
            screenshot(browser, "dashboard.png");
            System.out.printf("dashboard: %d ms from the start of the cluster to the end of the browser's steps%n",
                    (System.nanoTime() - started) / 1_000_000);
            String logs = cluster.logTails();
            assertFalse(logs.contains(TOKEN), "the token leaked into the agents' logs");
        } catch (AssertionError | RuntimeException e) {
            screenshot(browser, "dashboard-failure.png");
            throw e;
        } finally {
            browser.quit();
        }
    }

    // Root in a container: no sandbox, no GPU; nothing may reach out (no QUIC, no component or sync traffic).
    private WebDriver chromium() throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), CHROMIUM + " and " + CHROMEDRIVER
                + " are needed (Debian's chromium and chromium-driver): run 'bin/ensure-deps --tests' as root");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1500",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().withLogFile(dir.resolve("chromedriver.log").toFile()).build();
        return new ChromeDriver(service, options);
    }

    private static Path screenshot(WebDriver browser, String name) throws Exception {
        File png = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path target = Files.createDirectories(Path.of("target")).resolve(name);
        Files.copy(png.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("dashboard: screenshot " + target.toAbsolutePath());
        return target;
    }

    private static int apiPort(ClusterHarness cluster, String node) {
        return ConfigLoader.loadCluster(cluster.cluster().config()).nodes().stream()
                .filter(n -> n.name().equals(node)).findFirst().orElseThrow().apiPort();
    }

    /** The dashboard as the browser shows it now. */
    private record Page(WebDriver browser) {

        String text(String id) {
            return browser.findElement(By.id(id)).getText();
        }

        WebElement row(String node) {
            return browser.findElement(By.cssSelector("#nodes tbody tr[data-node='" + node + "']"));
        }

        String rows() {
            return text("nodes");
        }

        List<WebElement> commandButtons() {
            return browser.findElements(By.cssSelector("button.command"));
        }

        // The failure shows what the page said, besides the probe's last value.
        <T> T await(String expectation, Supplier<T> probe, java.util.function.Predicate<T> condition) {
            try {
                return Eventually.await(expectation + " on the dashboard", PAGE_UPDATE, probe, condition);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nthe page shows:\n"
                        + browser.findElement(By.tagName("body")).getText(), e);
            }
        }
    }
}
