#!/bin/sh
# Regenerates the embedded datasets (and their README tables) from the package root:
#   sh datasets/regenerate.sh
# Row counts and the seed match EmbeddedDatasets.rows(for:) and EmbeddedDatasets.seed.
set -e
swift build -c release --product privacy-kernel
PK=.build/release/privacy-kernel
SEED=20240101
$PK datasets generate transport      --rows 16000 --seed $SEED --out datasets/transport.csv
$PK datasets generate health         --rows 12000 --seed $SEED --out datasets/health.csv
$PK datasets generate finance        --rows 10000 --seed $SEED --out datasets/finance.csv
$PK datasets generate commerce       --rows 28548 --seed $SEED --out datasets/commerce.csv
$PK datasets generate market         --rows 10000 --seed $SEED --out datasets/market.csv
$PK datasets generate tourism        --rows 12000 --seed $SEED --out datasets/tourism.csv
$PK datasets generate tourism_hotels --rows 8000  --seed $SEED --out datasets/tourism_hotels.csv
