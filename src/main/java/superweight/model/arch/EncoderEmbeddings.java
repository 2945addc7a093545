package superweight.model.arch;

import superweight.model.tensor.Tensor;

/**
 * What a BERT-family encoder adds before its first block: absolute position and token-type embedding tables,
 * the embedding LayerNorm (weight, bias), and the first position id ({@code positionOffset}: 0 for BERT,
 * pad_token_id + 1 for RoBERTa/XLM-R, whose position ids skip the padding index).
 */
public record EncoderEmbeddings(Tensor positions, Tensor tokenTypes, float[] norm, float[] normBias, int positionOffset) {
}
