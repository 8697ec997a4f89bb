//! Arbitrary text through the scenario YAML loader (with the embedded requirement catalogue).
//!
//! Properties: loading never panics; a loaded scenario has a valid id; a failed load returns
//! at least one error, and every error names the file, a line of the text (1-based, at most
//! one past the last line), a column and a message, and prints as `file:line:column`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mcpcheck::fuzzing::load_scenario;

const FILE: &str = "fuzz/scenario.yaml";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match load_scenario(FILE, &text) {
        Ok(id) => {
            assert!(
                !id.is_empty()
                    && !id.starts_with('-')
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "loaded a scenario with an invalid id {id:?}"
            );
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "a failed load reported no error");
            // Lines as YAML counts them: LF, CRLF and a lone CR all end a line.
            let lines = text.replace("\r\n", "\n").split(['\n', '\r']).count() as u64;
            for e in &errors {
                assert_eq!(e.file, FILE, "error names another file: {e:?}");
                assert!(
                    (1..=lines + 1).contains(&e.line),
                    "error names line {} of a {lines}-line text: {e:?}",
                    e.line
                );
                assert!(e.column >= 1, "error names column 0: {e:?}");
                assert!(!e.message.trim().is_empty(), "error without message: {e:?}");
                let shown = e.to_string();
                let place = format!("{FILE}:{}:{}", e.line, e.column);
                assert!(shown.contains(&place), "{shown:?} does not show {place}");
            }
        }
    }
});
