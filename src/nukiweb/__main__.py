from nukiweb.cli import main

main()
