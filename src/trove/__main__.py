from trove.cli import main

main()
