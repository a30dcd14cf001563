"""AIO000: a file aiolint cannot read or parse."""

from aiolint.engine.rule import Rule


class InvalidFile(Rule):
    """A file that cannot be read, decoded or parsed.

    ## What it does
    Reports a Python file that aiolint cannot check: it does not parse (a syntax
    error, with the parser's message and position), or it cannot be read
    (permissions, a missing file) or decoded (bytes that are not valid in the
    file's declared encoding, an unknown encoding cookie). Every checked file
    Python rejects is reported, whether or not a rule could fire in it. A file
    Python accepts but aiolint's parser cannot take (nested past its limit) is
    reported with a message naming that limit, never as a syntax error; so is
    a file with a top-level statement of more than 50,000 tokens (a generated
    one-line call of megabytes), which cannot be parsed in bounded memory.

    ## Why is this bad?
    Nothing in such a file is checked, so its anti-patterns go unseen. The run
    goes on with the other files and still fails, so CI notices.

    ## Example
    ```python
    async def handler(:
        pass
    ```

    ## Use instead
    ```python
    async def handler():
        pass
    ```

    ## Fix safety
    No fix: the file has to be repaired by hand.

    ## References
    - [Python: lexical analysis and encoding declarations](https://docs.python.org/3/reference/lexical_analysis.html#encoding-declarations)
    """

    code = "AIO000"
    name = "invalid-file"
