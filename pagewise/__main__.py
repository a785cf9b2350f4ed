from pagewise.cli import main

main()
