/* link.c - being written; placeholder so the tree builds meanwhile. */
