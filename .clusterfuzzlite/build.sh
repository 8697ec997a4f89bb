#!/bin/bash -eu
# Builds every cargo-fuzz target of fuzz/ (release, debug assertions on, with the sanitizer the
# OSS-Fuzz builder selects) and installs it in $OUT with its seed corpus and dictionary.

cd "$SRC/mcpcheck"

cargo fuzz build --fuzz-dir fuzz -O --debug-assertions

bin_dir=fuzz/target/x86_64-unknown-linux-gnu/release
for target in $(cargo fuzz list --fuzz-dir fuzz); do
    cp "$bin_dir/$target" "$OUT/"
    if [ -d "fuzz/seeds/$target" ]; then
        rm -f "$OUT/${target}_seed_corpus.zip"
        (cd "fuzz/seeds/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
    fi
    if [ -f "fuzz/dicts/$target.dict" ]; then
        cp "fuzz/dicts/$target.dict" "$OUT/$target.dict"
    fi
done
