from pilot_eval.cli import main

main()
