# bash completion for sriovctl and vgpuctl (sriov-toolkit); installed as
# /usr/share/bash-completion/completions/{sriovctl,vgpuctl}.
# Verbs and options come from the tool's own --help, so they never go out of step with it;
# PF names, VF counts, GPUs and instances come from `list` on the host the command line names
# (--sysfs-root included), settings from `set --help`.

# In bash it uses bash-completion's _init_completion (words with ':', '=' and '#' kept whole);
# zsh runs it through bashcompinit (completions/_sriovctl), whose words are the shell's own.
# No bash-only builtin (mapfile, compopt without a check): zsh runs this too.

# The tool with the global options already typed that change what it reads.
_sriov_toolkit_tool() {
    local i tool=("${words[0]}")
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --sysfs-root) tool+=(--sysfs-root "${words[i + 1]}") ;;
            --sysfs-root=*) tool+=("${words[i]}") ;;
        esac
    done
    printf '%s\n' "${tool[@]}"
}

# The verb (first word that is not an option or an option's value) and its index.
_sriov_toolkit_verb() {
    local i w
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        case $w in
            --sysfs-root | --timeout | --lock-timeout) ((i++)) ;;
            -*) ;;
            *) echo "$i $w"; return ;;
        esac
    done
}

_sriov_toolkit_reply() { # lines on stdin -> COMPREPLY
    local line
    COMPREPLY=()
    while IFS= read -r line; do COMPREPLY+=("$line"); done
}

_sriov_toolkit_options() { # help text on stdin -> the options its option lines start with
    sed -n 's/^  \(-[-A-Za-z0-9,]*\).*/\1/p' | tr ',' '\n' | sort -u
}

_sriov_toolkit_verbs() { # help text on stdin -> the names under "Subcommands:"
    sed -n '/^Subcommands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}

_sriov_toolkit_pfs() { # sriovctl list: PCI address and netdev of every PF
    "${tool[@]}" list 2>/dev/null | awk 'NR > 1 { print $1; if ($2 != "-") print $2 }'
}

_sriov_toolkit_vfspecs() { # PF#N for every VF of the PF before '#', else PF# for every PF
    local pf=${cur%%#*}
    if [[ $cur == *'#'* ]]; then
        "${tool[@]}" list 2>/dev/null | awk -v pf="$pf" \
            'NR > 1 && ($1 == pf || $2 == pf) { split($4, n, "/"); for (i = 0; i < n[1]; i++) print pf "#" i }'
    else
        _sriov_toolkit_pfs | sed 's/$/#/'
    fi
}

_sriov_toolkit_settings() { # KEY= of sriovctl set, or the values of KEY= being typed
    case $cur in
        spoof-check=* | trust=* | query-rss=*) printf '%s\n' "${cur%%=*}="{on,off} ;;
        link-state=*) printf '%s\n' "${cur%%=*}="{auto,enable,disable} ;;
        vlan-proto=*) printf '%s\n' "${cur%%=*}="{802.1Q,802.1ad} ;;
        *=*) ;;
        *) "${tool[@]}" set --help 2>/dev/null | grep -oE '[a-z][a-z-]+=' | sort -u ;;
    esac
}

_sriov_toolkit_gpus() { # vgpuctl list: GPU addresses and mdev parents
    "${tool[@]}" list 2>/dev/null | awk '/^$/ { exit } NR > 1 { print $1 }'
}

_sriov_toolkit_instances() { # vgpuctl list: instance UUIDs
    "${tool[@]}" list 2>/dev/null | awk '/^INSTANCE / { on = 1; next } on && NF { print $1 }'
}

_sriov_toolkit() {
    local cur prev words cword line
    if type _init_completion > /dev/null 2>&1; then
        _init_completion -n '=:#' || return
    else
        words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
        cur=${words[cword]} prev=${words[cword - 1]}
    fi
    local -a tool=()
    while IFS= read -r line; do tool+=("$line"); done < <(_sriov_toolkit_tool)
    local name=${words[0]##*/} verb_at verb
    read -r verb_at verb < <(_sriov_toolkit_verb)

    case $prev in
        --sysfs-root) _sriov_toolkit_reply < <(compgen -d -- "$cur"); return ;;
        -f | --profile | --file | --output | --out | --dir | --journal)
            _sriov_toolkit_reply < <(compgen -f -- "$cur"); return ;;
        --driver)
            local root=${SRIOV_SYSFS_ROOT:-}
            [[ ${tool[1]:-} == --sysfs-root ]] && root=${tool[2]}
            _sriov_toolkit_reply < <(compgen -W "$(ls "$root/sys/bus/pci/drivers" 2>/dev/null)" -- "$cur")
            return ;;
        --timeout | --lock-timeout | --count | --wait | --framebuffer | --uuid) return ;;
    esac

    if [[ -z $verb || $cur == -* ]]; then
        local help
        help=$("${tool[@]}" ${verb:+"$verb"} --help 2>/dev/null)
        if [[ -z $verb && $cur != -* ]]; then
            _sriov_toolkit_reply < <(compgen -W "$(_sriov_toolkit_verbs <<< "$help")" -- "$cur")
        else
            _sriov_toolkit_reply < <(compgen -W "$(_sriov_toolkit_options <<< "$help")" -- "$cur")
        fi
        return
    fi

    local words_after=$((cword - verb_at)) candidates=""
    case $name:$verb in
        sriovctl:show | sriovctl:create | sriovctl:destroy | sriovctl:list | sriovctl:publish)
            candidates=$(_sriov_toolkit_pfs) ;;
        sriovctl:bind | sriovctl:unbind) candidates=$(_sriov_toolkit_vfspecs) ;;
        sriovctl:set)
            if ((words_after == 1)); then candidates=$(_sriov_toolkit_vfspecs)
            else candidates=$(_sriov_toolkit_settings); fi ;;
        vgpuctl:create | vgpuctl:types | vgpuctl:plan | vgpuctl:define) candidates=$(_sriov_toolkit_gpus) ;;
        vgpuctl:remove | vgpuctl:start | vgpuctl:stop | vgpuctl:undefine) candidates=$(_sriov_toolkit_instances) ;;
    esac
    _sriov_toolkit_reply < <(compgen -W "$candidates" -- "$cur")
    # A PF# or KEY= candidate is not finished: no space after it.
    if [[ ${#COMPREPLY[@]} -gt 0 && ${COMPREPLY[0]} == *[#=] ]] && type compopt > /dev/null 2>&1; then
        compopt -o nospace 2> /dev/null
    fi
    # Bash replaces only the part of the word after its last break character (':' of a PCI
    # address, '=' of KEY=VALUE): the candidates must start there too.
    if [[ -n ${COMP_WORDBREAKS:-} ]]; then
        local broken=${cur%"${cur##*[$COMP_WORDBREAKS]}"}
        [[ -n $broken ]] && COMPREPLY=("${COMPREPLY[@]#"$broken"}")
    fi
    return 0
}
complete -F _sriov_toolkit sriovctl vgpuctl
