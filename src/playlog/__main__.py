from playlog.cli.app import main

main()
