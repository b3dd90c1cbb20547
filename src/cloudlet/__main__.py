"""`python -m cloudlet` is the `cloudlet` command."""

from cloudlet.cli.main import main

if __name__ == "__main__":
    main()
