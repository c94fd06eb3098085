import Foundation
import MBertQA

/// Extractive question answering with a MobileBERT compiled by mbert and linked into the app
/// (libqa_model.a, libmbert_runtime.a from CMakeLists.txt). The vocabulary is inside the model
/// object. Not thread-safe: use one instance per thread or serialize calls.
final class QuestionAnswerer {
    struct Failure: Error { let status: mbert_status_t; var message: String { String(cString: mbert_status_string(status)) } }

    private var tokenizer: OpaquePointer?
    private let workspace: UnsafeMutableRawPointer?
    private let sequenceLength = Int(mbert_qa_sequence_length())
    private let maxWindows = 8

    init() throws {
        var created: OpaquePointer?
        var status = mbert_tokenizer_create_from_memory(
            mbert_qa_vocab(), mbert_qa_vocab_size(), UInt32(MBERT_TOKENIZER_UNCASED.rawValue), &created)
        guard status == MBERT_OK else { throw Failure(status: status) }
        var memory: UnsafeMutableRawPointer?
        status = mbert_workspace_alloc(UInt64(mbert_qa_workspace_size()), UInt64(MBERT_WORKSPACE_ALIGNMENT), &memory)
        guard status == MBERT_OK else { mbert_tokenizer_destroy(created); throw Failure(status: status) }
        tokenizer = created
        workspace = memory
    }

    deinit {
        mbert_tokenizer_destroy(tokenizer)
        mbert_workspace_free(workspace)
    }

    /// The span of `context` that answers `question`, and its score.
    func answer(question: String, context: String) throws -> (text: String, score: Float) {
        let count = maxWindows * sequenceLength
        var ids = [Int64](repeating: 0, count: count), mask = ids, types = ids
        var begin = [Int32](repeating: 0, count: count), end = begin
        var startLogits = [Float](repeating: 0, count: count), endLogits = startLogits
        // Each window's token count: the model runs at that length (MAX_SEQ_LEN in CMakeLists.txt).
        var windowTokens = [Int32](repeating: 0, count: maxWindows)
        let questionBytes = Array(question.utf8), contextBytes = Array(context.utf8)
        var windows: Int32 = 0
        var answer = mbert_answer_t()
        let status: mbert_status_t = ids.withUnsafeMutableBufferPointer { ids in
            mask.withUnsafeMutableBufferPointer { mask in
                types.withUnsafeMutableBufferPointer { types in
                    begin.withUnsafeMutableBufferPointer { begin in
                        end.withUnsafeMutableBufferPointer { end in
                            windowTokens.withUnsafeMutableBufferPointer { tokens in
                                var encoding = mbert_encoding_t(
                                    input_ids: ids.baseAddress, attention_mask: mask.baseAddress,
                                    token_type_ids: types.baseAddress, token_begin: begin.baseAddress,
                                    token_end: end.baseAddress, window_capacity: Int32(maxWindows),
                                    window_tokens: tokens.baseAddress)
                                var options = mbert_encode_options_t(
                                    sequence_length: Int32(sequenceLength),
                                    overflow: Int32(MBERT_OVERFLOW_WINDOWS.rawValue),
                                    stride: Int32(sequenceLength / 4))
                                var status = questionBytes.withUnsafeBufferPointer { q in
                                    contextBytes.withUnsafeBufferPointer { c in
                                        q.withMemoryRebound(to: CChar.self) { q in
                                            c.withMemoryRebound(to: CChar.self) { c in
                                                mbert_tokenizer_encode_pair(tokenizer, q.baseAddress, q.count,
                                                                            c.baseAddress, c.count,
                                                                            &options, &encoding, &windows)
                                            }
                                        }
                                    }
                                }
                                for window in 0..<Int(windows) where status == MBERT_OK {
                                    let offset = window * sequenceLength
                                    status = startLogits.withUnsafeMutableBufferPointer { s in
                                        endLogits.withUnsafeMutableBufferPointer { e in
                                            mbert_status_t(rawValue: UInt32(bitPattern: qa_model_run(
                                                ids.baseAddress! + offset, mask.baseAddress! + offset,
                                                types.baseAddress! + offset, Int64(tokens[window]),
                                                s.baseAddress! + offset,
                                                e.baseAddress! + offset, workspace, nil)))
                                        }
                                    }
                                }
                                if status == MBERT_OK {
                                    status = mbert_qa_best_span(startLogits, endLogits, &encoding, windows,
                                                                Int32(sequenceLength), 30, &answer)
                                }
                                return status
                            }
                        }
                    }
                }
            }
        }
        guard status == MBERT_OK else { throw Failure(status: status) }
        let span = contextBytes[Int(answer.byte_begin)..<Int(answer.byte_end)]
        return (String(decoding: span, as: UTF8.self), answer.score)
    }
}
