//! Scenario mistakes are reported with file, line, column, field and a did-you-mean, all at
//! once, before anything is sent. Pinned by snapshots.

use mcpcheck::catalogue::Catalogue;
use mcpcheck::scenario::parse;

fn errors(text: &str) -> String {
    match parse("scenarios/example.yaml", text, &Catalogue::builtin()) {
        Ok(_) => panic!("expected errors"),
        Err(errs) => errs
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n\n"),
    }
}

#[test]
fn misspelt_check_kind() {
    insta::assert_snapshot!(errors(
        "id: x\ntitle: t\narea: a\nsteps:\n  - name: s\n    request: {method: tools/list}\n    expect:\n      - stauts: 400\n        req: HTTP-01\n"
    ));
}

#[test]
fn unknown_requirement_and_undefined_variable_reported_together() {
    insta::assert_snapshot!(errors(
        "id: x\ntitle: t\narea: a\nsteps:\n  - name: first\n    request: {method: tools/list}\n    expect:\n      - status: 200\n        req: HTTP-1\n    capture:\n      tools: /result/tools\n  - name: second\n    request:\n      method: tools/call\n      params: {name: \"${tool}\"}\n    expect:\n      - result: true\n        req: TOOLS-07\n"
    ));
}

#[test]
fn two_check_kinds_in_one_item_and_no_request() {
    insta::assert_snapshot!(errors(
        "id: x\ntitle: t\narea: a\nsteps:\n  - name: s\n    expect:\n      - status: 200\n        error: -32602\n        req: HTTP-01\n"
    ));
}

#[test]
fn yaml_syntax_error() {
    insta::assert_snapshot!(errors("id: x\ntitle: [unclosed\narea: a\n"));
}

#[test]
fn wrong_type_for_a_field() {
    insta::assert_snapshot!(errors(
        "id: x\ntitle: t\narea: a\nsteps:\n  - name: s\n    request: {method: tools/list}\n    expect:\n      - status: 200\n        req: HTTP-01\n        level: sometimes\n"
    ));
}

#[test]
fn raw_body_given_twice_and_bad_base64() {
    insta::assert_snapshot!(errors(
        "id: x\ntitle: t\narea: a\nsteps:\n  - name: two bodies\n    raw: {body: '{}', body_base64: 'e30='}\n    expect:\n      - answered: true\n        req: HTTP-24\n  - name: not base64\n    raw: {body_base64: 'not base64!'}\n    expect:\n      - answered: true\n        req: HTTP-24\n"
    ));
}

#[test]
fn duplicate_key_under_a_tag_is_located() {
    // Found by the scenario_loader fuzz target: serde reports it without a position.
    insta::assert_snapshot!(errors("id: a\ntitle: t\n!x id: b\narea: a\nsteps: []\n"));
}
