from wizard.cli import main
import sys
sys.exit(main())
