# cli.sh: the set-up the command-line tests share, sourced after tap.sh and
# tripwire.sh: $wizard (this build's program) and $hosts (the fixture hosts),
# the C locale with no translation, and the data and demo hosts of this tree.
wizard=$(tw_abs "$top_builddir/vfio-wizard")
hosts=$(tw_abs "$top_srcdir/tests/hosts")
LC_ALL=C
LANGUAGE=
VFIO_WIZARD_HOSTS=$hosts
VFIO_WIZARD_DATADIR=${VFIO_WIZARD_DATADIR:-$(tw_abs "$top_srcdir/data")}
export LC_ALL LANGUAGE VFIO_WIZARD_HOSTS VFIO_WIZARD_DATADIR
unset LANG LC_MESSAGES VFIO_WIZARD_LOCALEDIR
