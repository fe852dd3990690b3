//! `volc-im demo-server`: the demo server as a process of its own, for trying
//! `volc-im` (or any OpenAPI client) without an account.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::broadcast::error::RecvError;

use crate::demo::{
    DEFAULT_MAX_QPS, DEMO_ACCESS_KEY, DEMO_SECRET_KEY, DemoData, DemoOptions, DemoServer,
    LoggedRequest, demo_data,
};
use crate::model::ConversationKind;

/// Serve the built-in demo data over the Volcengine OpenAPI protocol on 127.0.0.1
#[derive(clap::Args, Debug, Clone, PartialEq)]
#[command(
    after_help = "Examples:\n  volc-im demo-server --port 8080\n  volc-im demo-server --fail-rate 0.2 --seed 7 --latency-ms 150 --log-requests"
)]
pub struct DemoServerArgs {
    /// Port to listen on, on 127.0.0.1 only (0 picks a free one)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Delay added to every response, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of requests answered with an injected fault (HTTP 500, 429, 503 or a
    /// dropped connection), from 0.0 to 1.0
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate)]
    pub fail_rate: f64,
    /// Seed of the fault injection: the same seed repeats the same faults
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Requests accepted in any one second; more are refused with HTTP 429 (0: no limit)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_QPS,
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub max_qps: u32,
    /// Append one new generated message to every conversation each MS milliseconds
    /// (replies among them), so that new messages arrive while it runs
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub grow_every_ms: Option<u64>,
    /// Print one JSON line per request to standard output: {"action","body","status"}
    #[arg(long)]
    pub log_requests: bool,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let rate: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number between 0.0 and 1.0"))?;
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!("{rate} is not between 0.0 and 1.0"))
    }
}

impl DemoServerArgs {
    /// The server options these arguments ask for.
    pub fn options(&self) -> DemoOptions {
        DemoOptions {
            port: self.port,
            latency: Duration::from_millis(self.latency_ms),
            fail_rate: self.fail_rate,
            seed: self.seed,
            max_qps: self.max_qps,
            grow_every: self.grow_every_ms.map(Duration::from_millis),
        }
    }
}

/// Starts the server, prints where it listens and how to use it, and serves until
/// Ctrl-C.
pub async fn run(args: DemoServerArgs) -> anyhow::Result<()> {
    let options = args.options();
    let server = DemoServer::start(options.clone())
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", options.port))?;
    let mut feed = args.log_requests.then(|| server.subscribe());
    print_and_flush(&banner(&server.endpoint(), demo_data(), &options))?;

    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            signal = &mut ctrl_c => {
                signal.context("cannot listen for Ctrl-C")?;
                break;
            }
            event = next(&mut feed) => match event {
                Ok(request) => print_and_flush(&format!("{}\n", request.json_line()))?,
                Err(RecvError::Lagged(skipped)) => {
                    eprintln!("volc-im demo-server: {skipped} requests not printed (output too slow)");
                }
                Err(RecvError::Closed) => break,
            },
        }
    }
    eprintln!("volc-im demo-server: stopping");
    server.shutdown().await;
    Ok(())
}

/// The next logged request, or never when requests are not printed.
async fn next(
    feed: &mut Option<tokio::sync::broadcast::Receiver<LoggedRequest>>,
) -> Result<LoggedRequest, RecvError> {
    match feed {
        Some(feed) => feed.recv().await,
        None => std::future::pending().await,
    }
}

fn print_and_flush(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("cannot write to standard output")
}

/// What the server prints on start: where it listens, the demo key pair, the
/// conversations, and how to point `volc-im` at it.
pub fn banner(endpoint: &str, data: &DemoData, options: &DemoOptions) -> String {
    let app = data.app_id();
    let mut s = String::new();
    let _ = writeln!(s, "volc-im demo server");
    let _ = writeln!(s, "listening on {endpoint}");
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Demo credentials (public: they open nothing but this server):"
    );
    let _ = writeln!(s, "  access key  {DEMO_ACCESS_KEY}");
    let _ = writeln!(s, "  secret key  {DEMO_SECRET_KEY}");
    let _ = writeln!(s);
    let _ = writeln!(s, "App {app}:");
    for c in data.conversations() {
        let note = if c.kind() == ConversationKind::LiveGroup {
            ", newest first only"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "  {}  {:<10}  {}  ({} messages{note})",
            c.id(),
            c.kind().label(),
            c.name(),
            c.len()
        );
    }
    let first = data.conversations().first().map(|c| c.id().0).unwrap_or(0);
    let _ = writeln!(s);
    let _ = writeln!(s, "Try it:");
    let _ = writeln!(
        s,
        "  export VOLC_ACCESSKEY={DEMO_ACCESS_KEY} VOLC_SECRETKEY={DEMO_SECRET_KEY}"
    );
    let _ = writeln!(
        s,
        "  volc-im --endpoint {endpoint} --app-id {app} --conversation {first}"
    );
    let _ = writeln!(
        s,
        "  volc-im api GetConversationMessages --endpoint {endpoint} --body '{{\"AppId\":{app},\"ConversationShortId\":{first},\"Cursor\":0,\"Limit\":5}}'"
    );
    let _ = writeln!(s);
    let limit = match options.max_qps {
        0 => "no limit".to_owned(),
        n => format!("at most {n} requests a second"),
    };
    let _ = writeln!(
        s,
        "Latency {} ms, fail rate {}, seed {}, {limit}. Ctrl-C stops the server.",
        options.latency.as_millis(),
        options.fail_rate,
        options.seed
    );
    if let Some(every) = options.grow_every {
        let _ = writeln!(
            s,
            "Every conversation gains a new message every {} ms.",
            every.as_millis()
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: DemoServerArgs,
    }

    fn parse(args: &[&str]) -> Result<DemoServerArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("demo-server").chain(args.iter().copied()))
            .map(|c| c.args)
    }

    #[test]
    fn defaults_are_the_server_defaults() {
        assert_eq!(parse(&[]).unwrap().options(), DemoOptions::default());
    }

    #[test]
    fn every_option_reaches_the_server() {
        let args = parse(&[
            "--port",
            "8080",
            "--latency-ms",
            "150",
            "--fail-rate",
            "0.2",
            "--seed",
            "7",
            "--max-qps",
            "50",
            "--grow-every-ms",
            "250",
            "--log-requests",
        ])
        .unwrap();
        assert!(args.log_requests);
        assert_eq!(
            args.options(),
            DemoOptions {
                port: 8080,
                latency: Duration::from_millis(150),
                fail_rate: 0.2,
                seed: 7,
                max_qps: 50,
                grow_every: Some(Duration::from_millis(250)),
            }
        );
        assert!(parse(&["--fail-rate", "1.5"]).is_err());
        assert!(parse(&["--fail-rate", "often"]).is_err());
        assert!(parse(&["--grow-every-ms", "0"]).is_err());
    }

    #[test]
    fn the_banner_says_where_and_how() {
        let text = banner(
            "http://127.0.0.1:4567",
            demo_data(),
            &DemoOptions::default(),
        );
        assert!(
            text.lines()
                .any(|l| l == "listening on http://127.0.0.1:4567")
        );
        assert!(text.contains(DEMO_ACCESS_KEY) && text.contains(DEMO_SECRET_KEY));
        assert!(text.contains("VOLC_ACCESSKEY=") && text.contains("VOLC_SECRETKEY="));
        assert!(text.contains("--endpoint http://127.0.0.1:4567"));
        for c in demo_data().conversations() {
            assert!(text.contains(&c.id().to_string()) && text.contains(c.name()));
        }
    }
}
