/* main.c - being written; placeholder so the tree builds meanwhile. */
int main(void)
{
        return 0;
}
