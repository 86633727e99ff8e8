"""The options backtester: strategies of option legs over NSE's daily chains (bhavcopy) or
minute bars. `chain` is what it reads, `strategy` the document, `engine` the run, `results`
what a trader reads, `synthetic` the chains tests and benchmarks make."""
