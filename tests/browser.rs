//! A real browser on the dashboard: headless Chromium, driven through WebDriver by
//! `chromedriver` (Debian's `chromium` and `chromium-driver`; `.ci/run` installs both), loads
//! the page while a named client works, and the test reads what the page *rendered*: the
//! client's name in the table, and numbers that change. It ends with a screenshot (in a
//! temporary directory; `DASHBOARD_SCREENSHOT=docs/dashboard.png cargo test --test browser`
//! writes the one chapter 18 shows).
//!
//! WebDriver is JSON over HTTP, so the driver is spoken to with a few lines of blocking HTTP
//! below rather than an async client crate.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use reactor::client::Connection;
use reactor::config::Config;
use serde_json::{Value, json};

use common::{IO_TIMEOUT, TempDir};

/// `chromedriver`, killed when the test ends however it ends.
struct Driver {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    fn start() -> Driver {
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (apt-get install chromium chromium-driver)");
        let driver = Driver {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if TcpStream::connect(driver.addr).is_ok()
                && driver.call("GET", "/status", None)["value"]["ready"] == true
            {
                return driver;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// One WebDriver command: an HTTP request with a JSON body, the JSON reply.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut stream = TcpStream::connect(self.addr).expect("connect to chromedriver");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .unwrap();
        // The reply's length is in its head (chromedriver may keep the connection open).
        let mut response = Vec::new();
        let mut chunk = [0; 64 * 1024];
        loop {
            let n = stream.read(&mut chunk).expect("chromedriver answers");
            response.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&response);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head.lines().find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                });
                if n == 0 || length.is_some_and(|length| body.len() >= length) {
                    return serde_json::from_str(body)
                        .unwrap_or_else(|_| panic!("not JSON: {text}"));
                }
            }
            assert!(n > 0, "chromedriver closed mid-reply: {text}");
        }
    }
}

/// A child process killed when the test ends however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A browser session, closed when dropped.
struct Browser<'a> {
    driver: &'a Driver,
    session: String,
}

impl<'a> Browser<'a> {
    fn open(driver: &'a Driver, profile: &std::path::Path) -> Browser<'a> {
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1400,1500",
                         format!("--user-data-dir={}", profile.display())],
            },
        }}});
        let reply = driver.call("POST", "/session", Some(capabilities));
        let session = reply["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {reply}"))
            .to_string();
        Browser { driver, session }
    }

    fn command(&self, method: &str, what: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}/{what}", self.session);
        let reply = self.driver.call(method, &path, body);
        assert!(
            reply["value"].get("error").is_none(),
            "{what} failed: {reply}"
        );
        reply["value"].clone()
    }

    fn go(&self, url: &str) {
        self.command("POST", "url", Some(json!({ "url": url })));
    }

    /// Run `script` in the page and return its value.
    fn eval(&self, script: &str) -> Value {
        self.command(
            "POST",
            "execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    fn text(&self, selector: &str) -> String {
        let script = format!(
            "const e = document.querySelector({selector:?}); return e ? e.textContent : null;"
        );
        self.eval(&script).as_str().unwrap_or_default().to_string()
    }

    fn screenshot(&self) -> Vec<u8> {
        let encoded = self.command("GET", "screenshot", None);
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().expect("base64 PNG"))
            .expect("valid base64")
    }
}

impl Drop for Browser<'_> {
    fn drop(&mut self) {
        let path = format!("/session/{}", self.session);
        let _ = self.driver.call("DELETE", &path, None);
    }
}

/// Wait until `probe` returns `Some`, or fail with what was last seen.
fn wait_for<T>(limit: Duration, what: &str, mut probe: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        match probe() {
            Ok(value) => return value,
            Err(last) if Instant::now() >= deadline => panic!("{what}: not seen; last: {last}"),
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

#[test]
fn a_browser_renders_a_named_client_and_numbers_that_move() {
    let server = reactor::spawn(Config {
        dashboard_port: Some(0),
        ..Config::ephemeral()
    })
    .expect("server starts");
    let url = format!("http://{}/", server.dashboard_addr().unwrap());

    // A named client that keeps working while the browser watches (bounded: it stops when
    // the test does, and after 60 s at most).
    let stop = Arc::new(AtomicBool::new(false));
    let worker = {
        let (addr, stop) = (server.addr(), stop.clone());
        std::thread::spawn(move || {
            let mut c = Connection::connect(addr, IO_TIMEOUT).unwrap();
            c.command(&[b"CLIENT", b"SETNAME", b"browser-test-worker"])
                .unwrap();
            let until = Instant::now() + Duration::from_secs(60);
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) && Instant::now() < until {
                let key = format!("key:{}", i % 1000);
                c.command(&[b"SET", key.as_bytes(), b"value"]).unwrap();
                c.command(&[b"RPUSH", b"jobs", b"job"]).unwrap();
                i += 1;
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };

    // redis-benchmark as the load (the issue's "while redis-benchmark runs"), and a client
    // blocked on a list and a subscriber, so the table has their flags to show.
    let benchmark = Killed(
        Command::new("redis-benchmark")
            .args(["-p", &server.addr().port().to_string(), "-q", "-c", "10"])
            .args(["-n", "100000000", "-r", "1000", "-t", "set"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-benchmark runs (apt-get install redis-tools)"),
    );
    let mut blocked = Connection::connect(server.addr(), IO_TIMEOUT).unwrap();
    blocked
        .command(&[b"CLIENT", b"SETNAME", b"waiting-for-work"])
        .unwrap();
    blocked.send(&[b"BLPOP", b"nothing-here", b"0"]).unwrap();
    let mut listener = reactor::client::Subscriber::connect(server.addr(), IO_TIMEOUT).unwrap();
    listener.subscribe(&[b"news"]).unwrap();

    let profile = TempDir::new("browser-profile");
    let driver = Driver::start();
    let browser = Browser::open(&driver, &profile.0);
    browser.go(&url);
    assert_eq!(
        browser.eval("return document.title;"),
        "reactor: watching the loop"
    );

    // The table shows the worker by the name it gave itself.
    let row = wait_for(Duration::from_secs(20), "the worker's row", || {
        let table = browser.text("#clients-table tbody");
        if table.contains("browser-test-worker") {
            Ok(table)
        } else {
            Err(table)
        }
    });
    assert!(row.contains("127.0.0.1:"), "{row}");
    assert!(browser.text("#status").starts_with("live"));
    // The blocked client's flag, and the channel with its subscriber.
    wait_for(
        Duration::from_secs(10),
        "the blocked client and the channel",
        || {
            let (table, channels) = (
                browser.text("#clients-table tbody"),
                browser.text("#channels-table tbody"),
            );
            if table.contains("waiting-for-work")
                && table.contains("blocked")
                && channels == "news1"
            {
                Ok(())
            } else {
                Err(format!("{table} / {channels}"))
            }
        },
    );

    // Numbers move: the keys tile and the worker's command count, read twice from the page.
    let commands = |browser: &Browser| -> u64 {
        let script = "for (const tr of document.querySelectorAll('#clients-table tbody tr')) \
                      { const td = tr.querySelectorAll('td'); \
                        if (td[2].textContent === 'browser-test-worker') \
                          return Number(td[9].textContent); } return null;";
        browser.eval(script).as_u64().unwrap_or(0)
    };
    let first = commands(&browser);
    let later = wait_for(Duration::from_secs(10), "the command count moving", || {
        let now = commands(&browser);
        if now > first {
            Ok(now)
        } else {
            Err(now.to_string())
        }
    });
    assert!(later > first);
    let ops = wait_for(Duration::from_secs(10), "a non-zero ops/s tile", || {
        let text = browser.text("#ops");
        match text.replace(',', "").parse::<f64>() {
            Ok(v) if v > 0.0 => Ok(v),
            _ => Err(text),
        }
    });
    assert!(ops > 0.0);
    // The charts drew something: uPlot renders into canvases.
    let canvases = browser.eval("return document.querySelectorAll('canvas').length;");
    assert!(canvases.as_u64().unwrap() >= 9, "{canvases}");

    if std::env::var_os("DASHBOARD_SCREENSHOT").is_some() {
        // For the docs: let the charts gather a few seconds of history first.
        std::thread::sleep(Duration::from_secs(8));
    }
    let png = browser.screenshot();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    let path = std::env::var_os("DASHBOARD_SCREENSHOT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| profile.0.join("dashboard.png"));
    std::fs::write(&path, &png).unwrap();

    // Once the load stops, the keys tile settles on what DBSIZE says.
    drop(benchmark);
    stop.store(true, Ordering::Relaxed);
    worker.join().unwrap();
    let mut c = Connection::connect(server.addr(), IO_TIMEOUT).unwrap();
    let reactor::client::Reply::Integer(keys) = c.command(&[b"DBSIZE"]).unwrap() else {
        panic!("DBSIZE is an integer");
    };
    assert!(keys > 0);
    wait_for(
        Duration::from_secs(10),
        "the keys tile showing DBSIZE",
        || {
            let shown = browser.text("#keys").replace(',', "");
            if shown == keys.to_string() {
                Ok(())
            } else {
                Err(shown)
            }
        },
    );
}
