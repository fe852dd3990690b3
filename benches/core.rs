//! Signing and parsing cost: one signature per request, and reading a page of
//! messages (typed view plus the raw JSON kept), per message.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

use volc_im::api::sign::{self, Credentials, RequestParts, Scope};
use volc_im::api::wire::{Page, read_response};
use volc_im::demo::{DEMO_GROUP, demo_data};
use volc_im::model::ConversationId;

fn signing(c: &mut Criterion) {
    let creds = Credentials::new("AKLTbench", "bench-secret");
    let scope = Scope {
        region: "cn-north-1".into(),
        service: "rtc".into(),
    };
    let query = vec![
        ("Action".to_owned(), "GetConversationMessages".to_owned()),
        ("Version".to_owned(), "2020-12-01".to_owned()),
    ];
    let headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Host".to_owned(), "rtc.volcengineapi.com".to_owned()),
    ];
    let body = br#"{"AppId":100001,"ConversationShortId":7300000000000000001,"Cursor":9223372036854775807,"Limit":20,"Reverse":1}"#;
    let mut group = c.benchmark_group("sign");
    group.throughput(Throughput::Elements(1));
    group.bench_function("GetConversationMessages request", |b| {
        b.iter(|| {
            let parts = RequestParts {
                method: "POST",
                path: "/",
                query: &query,
                headers: &headers,
                body,
            };
            black_box(sign::sign(&creds, &scope, &parts, "20261126T120000Z"))
        })
    });
    group.finish();
}

fn parsing(c: &mut Criterion) {
    let conversation = demo_data()
        .conversation(ConversationId(DEMO_GROUP))
        .expect("demo group");
    let raw = conversation.raw_messages();
    // A full page of 20 real demo messages, in the response envelope.
    let messages: Vec<&str> = raw.iter().take(20).copied().collect();
    let body = format!(
        r#"{{"ResponseMetadata":{{"RequestId":"bench","Action":"GetConversationMessages","Version":"2020-12-01","Service":"rtc","Region":"cn-north-1"}},"Result":{{"HasMore":true,"NewCursor":21,"Messages":[{}]}}}}"#,
        messages.join(",")
    );
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("page of 20 messages", |b| {
        b.iter(|| {
            let result =
                read_response("GetConversationMessages", 200, black_box(body.as_bytes())).unwrap();
            black_box(Page::from_result("GetConversationMessages", &result).unwrap())
        })
    });
    // The same page with every message's Content cut inside a surrogate pair: each
    // message takes the field-by-field path that keeps its id.
    let odd: Vec<String> = messages
        .iter()
        .map(|m| m.replacen(r#""Content":""#, r#""Content":"\ud83d"#, 1))
        .collect();
    let odd_body = body.replace(&messages.join(","), &odd.join(","));
    group.bench_function("page of 20 messages, each with a lone surrogate", |b| {
        b.iter(|| {
            let result = read_response(
                "GetConversationMessages",
                200,
                black_box(odd_body.as_bytes()),
            )
            .unwrap();
            let page = Page::from_result("GetConversationMessages", &result).unwrap();
            assert!(page.messages.iter().all(|m| m.id().is_some()));
            black_box(page)
        })
    });
    group.finish();
}

criterion_group!(benches, signing, parsing);
criterion_main!(benches);
